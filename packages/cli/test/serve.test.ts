import { spawn } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { BIN, REPO_ROOT, runCli } from "./support/runCli.ts"

const Health = Schema.Struct({ status: Schema.String })

/**
 * `orchestra serve --port 0` as a real process: waits for its "Listening on" line, calls
 * `/health` and `/cart` over loopback, then sends SIGTERM. Resolves with what it saw.
 */
const serveOnce = Effect.callback<{ readonly code: number | null; readonly health: unknown; readonly cart: number; readonly logs: string }>((resume) => {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", "--sandbox-faults", "inventory.*=latency:5ms"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let logs = ""
  let health: unknown
  let cart = 0
  let asked = false
  const onData = (chunk: Buffer) => {
    logs += chunk.toString()
    const listening = /Listening on http:\/\/\S*?:(\d+)\b/.exec(logs)
    if (listening === null || asked) return
    asked = true
    const base = `http://127.0.0.1:${listening[1]}`
    fetch(`${base}/health`)
      .then((response) => response.json())
      .then((body: unknown) => {
        health = body
        return fetch(`${base}/cart`, { headers: { "x-domain-id": "dom_demo", "x-customer-id": "cust_serve" } })
      })
      .then((response) => {
        cart = response.status
        child.kill("SIGTERM")
      })
      .catch((error: unknown) => {
        logs += `\n(test) the calls failed: ${String(error)}`
        child.kill("SIGTERM")
      })
  }
  child.stdout.on("data", onData)
  child.stderr.on("data", onData)
  child.on("close", (code) => resume(Effect.succeed({ code, health, cart, logs })))
  return Effect.sync(() => child.kill("SIGKILL"))
})

describe("orchestra serve (as a process)", () => {
  it.live(
    "serves the public API in sandbox mode with the given faults; SIGTERM stops it cleanly (exit 0)",
    () =>
      Effect.gen(function* () {
        const run = yield* serveOnce
        assert.strictEqual(run.code, 0, run.logs)
        assert.strictEqual(Schema.decodeUnknownSync(Health)(run.health).status, "ok")
        assert.strictEqual(run.cart, 200)
        assert.include(run.logs, "Orchestra starting in sandbox mode")
        assert.include(run.logs, "Sandbox faults active: inventory.*")
      }),
    { timeout: 60_000 }
  )

  it.live(
    "a configuration the server refuses is bad usage: exit 2, naming the setting",
    () =>
      Effect.gen(function* () {
        const run = yield* runCli(["serve", "--sandbox-faults", "inventory=sometimes"])
        assert.strictEqual(run.code, 2)
        assert.include(run.stderr, "ORCHESTRA_SANDBOX_FAULTS")
        const live = yield* runCli(["serve", "--mode", "live", "--port", "0"])
        assert.strictEqual(live.code, 2)
        assert.include(live.stderr, "Live mode needs")
      }),
    { timeout: 60_000 }
  )
})
