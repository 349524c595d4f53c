import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { decodeFixture, type Fixture, fixtureText } from "@orchestra/testkit/replay/Fixture"

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url))
export const BIN = fileURLToPath(new URL("../../src/bin.ts", import.meta.url))
export const FIXTURES = join(REPO_ROOT, "packages/testkit/fixtures")

export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** The environment a user's shell would give, without downstream URLs or orchestrator settings. */
const cleanEnv = (extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.endsWith("_SERVICE_URL") || name.startsWith("ORCHESTRA_") || ["REDIS_URL", "DATABASE_URL", "PORT"].includes(name)) continue
    env[name] = value
  }
  return { ...env, ...extra }
}

/**
 * Runs the CLI as a real process: this Node (24, which strips the TypeScript types) on the bin,
 * from the repository root. Resolves with the exit code and both outputs.
 */
export const runCli = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Effect.Effect<CliRun> =>
  Effect.callback<CliRun>((resume) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on("close", (code) => resume(Effect.succeed({ code: code ?? -1, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

export const shippedFixture = (name: string): Fixture =>
  Effect.runSync(decodeFixture(readFileSync(join(FIXTURES, name), "utf8")))

/** A scratch folder for fixtures a test derives or records. */
export const scratchDir = (): string => mkdtempSync(join(tmpdir(), "orchestra-cli-"))

export const writeFixture = (dir: string, name: string, fixture: Fixture): string => {
  const path = join(dir, name)
  writeFileSync(path, fixtureText(fixture))
  return path
}

/** Each CLI process loads the whole orchestrator; on a busy two-core machine a few take a while. */
export const PROCESS_TIMEOUT = 120_000
