import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { PROCESS_TIMEOUT, runCli } from "./support/runCli.ts"

const commands = [
  [],
  ["simulate"],
  ["record"],
  ["scenario"],
  ["fixtures"],
  ["fixtures", "check"],
  ["fixtures", "record"],
  ["checkout"],
  ["checkout", "list"],
  ["checkout", "show"],
  ["openapi"],
  ["serve"]
]

describe("orchestra --help (as a process)", () => {
  it.live("every command answers --help with its flags and examples, exit 0", () =>
    Effect.gen(function* () {
      const runs = yield* Effect.forEach(commands, (command) => runCli([...command, "--help"]), { concurrency: 3 })
      runs.forEach((run, i) => {
        const name = ["orchestra", ...(commands[i] ?? [])].join(" ")
        assert.strictEqual(run.code, 0, `${name}: ${run.stderr}`)
        assert.include(run.stdout, "DESCRIPTION", name)
        assert.include(run.stdout, "EXAMPLES", name)
        assert.include(run.stdout, `${name}`, name)
      })
      assert.include(runs[1]?.stdout, "--what-if string")
      assert.include(runs[1]?.stdout, "--fixture string")
      assert.include(runs[0]?.stdout, "simulate")
      assert.include(runs[0]?.stdout, "checkout")
      assert.include(runs[8]?.stdout, "--older-than string")
      assert.include(runs[8]?.stdout, "--state")
    }),
    PROCESS_TIMEOUT
  )

  it.live("--version prints the version; an unknown command is bad usage, exit 2", () =>
    Effect.gen(function* () {
      const version = yield* runCli(["--version"])
      assert.strictEqual(version.code, 0)
      assert.match(version.stdout, /0\.1\.0/)
      const unknown = yield* runCli(["simulat"])
      assert.strictEqual(unknown.code, 2)
    }),
    PROCESS_TIMEOUT
  )
})
