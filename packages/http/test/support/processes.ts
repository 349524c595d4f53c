import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort as freeLoopbackPort } from "@orchestra/testkit/net/freePort"
import { Effect, type Scope } from "effect"

/** A child process with its output kept for error messages and its exit awaited. */
export interface Child {
  readonly process: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
}

export const spawnChild = (command: string, args: ReadonlyArray<string>, env?: Record<string, string>): Child => {
  const child = spawn(command, args, { stdio: "pipe", ...(env === undefined ? {} : { env }) })
  let output = ""
  // Bounded: a chatty child must not grow the test's memory without limit.
  const keep = (chunk: unknown) => {
    output = (output + String(chunk)).slice(-200_000)
  }
  child.stdout?.on("data", keep)
  child.stderr?.on("data", keep)
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { process: child, output: () => output, exited }
}

/** Kills the child (SIGKILL unless told otherwise) and waits until it is gone, at most 5 s. */
export const killChild = (child: Child, signal: NodeJS.Signals = "SIGKILL") =>
  Effect.promise(() => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve()
    child.process.kill(signal)
    return Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 5_000))]).then(() => {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL")
    })
  })

/** A child that is killed when the scope closes, whatever the test did. */
export const scopedChild = (command: string, args: ReadonlyArray<string>, env?: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync(() => spawnChild(command, args, env)),
    (child) => killChild(child)
  )

/** A loopback port nobody listens on right now. */
export const freePort: Effect.Effect<number> = Effect.promise(freeLoopbackPort)

/** Polls `check` every `everyMs` until it holds, at most `attempts` times; dies naming `what` otherwise. */
export const waitUntil = <E, R>(
  what: string | (() => string),
  check: Effect.Effect<boolean, E, R>,
  attempts = 100,
  everyMs = 50
) =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (yield* check) return
      yield* Effect.sleep(everyMs)
    }
    return yield* Effect.die(new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`))
  })

const hasBinary = (name: string) => spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0

/** redis-server and redis-cli are on this machine: the tests that start their own Redis can run. */
export const redisBinaries = hasBinary("redis-server") && hasBinary("redis-cli")
// Locally a missing binary skips these suites; in CI it must fail them instead of hiding them.
export const skipRedisProcesses = !redisBinaries && !process.env.CI

export const redisCli = (port: number, args: ReadonlyArray<string>) =>
  Effect.promise(
    () =>
      new Promise<string>((resolve) => {
        execFile("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { timeout: 5_000 }, (_error, stdout) =>
          resolve(String(stdout))
        )
      })
  )

const redisArgs = (port: number, dir: string, extra: ReadonlyArray<string> = []) => [
  "--port",
  String(port),
  "--bind",
  "127.0.0.1",
  "--dir",
  dir,
  "--save",
  "",
  "--appendonly",
  "no",
  "--daemonize",
  "no",
  ...extra
]

const answersPing = (port: number) => Effect.map(redisCli(port, ["ping"]), (reply) => reply.trim() === "PONG")

/** A private temporary directory, removed with the scope. */
const scopedTempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

export interface RedisProcess {
  readonly port: number
  readonly url: string
  /** Kills the server as a crash would (SIGKILL). */
  readonly kill: Effect.Effect<void>
  /** Starts it again on the same port and waits until it answers. */
  readonly restart: Effect.Effect<void>
}

/**
 * Our own `redis-server` on a free loopback port, nothing persisted, killed when the scope
 * closes: a Redis the test may stop and start without touching the shared one.
 */
export const redisProcess: Effect.Effect<RedisProcess, never, Scope.Scope> = Effect.gen(function* () {
  const port = yield* freePort
  const dir = yield* scopedTempDir("orchestra-redis-")
  let current: Child | undefined
  const start = Effect.gen(function* () {
    current = spawnChild("redis-server", redisArgs(port, dir))
    const started = current
    yield* waitUntil(() => `redis-server on ${port}:\n${started.output()}`, answersPing(port))
  })
  const kill = Effect.suspend(() => (current === undefined ? Effect.void : killChild(current)))
  yield* Effect.addFinalizer(() => kill)
  yield* start
  return { port, url: `redis://127.0.0.1:${port}`, kill, restart: start }
})

export interface RedisClusterProcesses {
  readonly nodes: ReadonlyArray<{ readonly host: string; readonly port: number }>
  /** `REDIS_CLUSTER_NODES` for it. */
  readonly nodesEnv: string
}

/**
 * A real three-master Redis Cluster (no replicas) on free loopback ports, its node files in a
 * temporary directory: the processes are killed and the directory removed when the scope closes,
 * also when the test fails.
 */
export const redisCluster: Effect.Effect<RedisClusterProcesses, never, Scope.Scope> = Effect.gen(function* () {
  const dir = yield* scopedTempDir("orchestra-cluster-")
  const ports = [yield* freePort, yield* freePort, yield* freePort]
  for (const port of ports) {
    yield* scopedChild(
      "redis-server",
      redisArgs(port, dir, ["--cluster-enabled", "yes", "--cluster-config-file", join(dir, `nodes-${port}.conf`)])
    )
  }
  for (const port of ports) yield* waitUntil(`cluster node ${port}`, answersPing(port))
  const created = yield* scopedChild("redis-cli", [
    "--cluster",
    "create",
    ...ports.map((port) => `127.0.0.1:${port}`),
    "--cluster-replicas",
    "0",
    "--cluster-yes"
  ])
  const code = yield* Effect.promise(() => created.exited)
  if (code !== 0) return yield* Effect.die(new Error(`redis-cli --cluster create failed:\n${created.output()}`))
  for (const port of ports) {
    yield* waitUntil(
      `cluster_state:ok on ${port}`,
      Effect.map(redisCli(port, ["cluster", "info"]), (info) => info.includes("cluster_state:ok")),
      200
    )
  }
  const nodes = ports.map((port) => ({ host: "127.0.0.1", port }))
  return { nodes, nodesEnv: nodes.map((node) => `${node.host}:${node.port}`).join(",") }
})

const mainPath = fileURLToPath(new URL("../../src/server/main.ts", import.meta.url))

export interface OrchestraProcess {
  readonly baseUrl: string
  readonly child: Child
}

/**
 * `node packages/http/src/server/main.ts` (as `pnpm start` runs it) on a free port with exactly
 * `env` (plus PATH); stopped with SIGTERM (SIGKILL after 5 s) when the scope closes.
 */
export const orchestraProcess = (env: Record<string, string>): Effect.Effect<OrchestraProcess, never, Scope.Scope> =>
  Effect.gen(function* () {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawnChild(process.execPath, [mainPath], { PATH: process.env.PATH ?? "", PORT: "0", ...env })),
      (started) => killChild(started, "SIGTERM")
    )
    let port: number | undefined
    yield* waitUntil(
      () => `the orchestrator to listen:\n${child.output()}`,
      Effect.sync(() => {
        const match = /Listening on http:\/\/[^"\s]*:(\d+)/.exec(child.output())
        if (match?.[1] !== undefined) port = Number(match[1])
        return port !== undefined || child.process.exitCode !== null
      }),
      400
    )
    if (port === undefined) return yield* Effect.die(new Error(`the orchestrator exited:\n${child.output()}`))
    return { baseUrl: `http://127.0.0.1:${port}`, child }
  })
