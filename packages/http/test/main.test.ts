import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"

const mainPath = fileURLToPath(new URL("../src/server/main.ts", import.meta.url))

interface Started {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
}

/** `node src/server/main.ts` with only the given environment, as `pnpm start` runs it. */
const start = (env: Record<string, string>): Started => {
  const child = spawn(process.execPath, [mainPath], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: "pipe" })
  let output = ""
  child.stdout?.on("data", (chunk) => {
    output += String(chunk)
  })
  child.stderr?.on("data", (chunk) => {
    output += String(chunk)
  })
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, output: () => output, exited }
}

const listeningPort = (started: Started) =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < 200; attempt++) {
      const match = /Listening on http:\/\/[^:]*:?\[?[^\]]*\]?:(\d+)/.exec(started.output())
      if (match?.[1] !== undefined) return Number(match[1])
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.die(new Error(`server did not start:\n${started.output()}`))
  })

// A stopped test must not leave a server behind.
const stopped = (started: Started) => Effect.addFinalizer(() => Effect.sync(() => started.child.kill("SIGKILL")))

const Status = Schema.Struct({ status: Schema.String })

describe("node src/server/main.ts", () => {
  it.live(
    "starts in sandbox mode, serves, and on SIGTERM finishes in-flight requests and exits 0",
    () =>
      Effect.gen(function* () {
        // Every cart call takes 800 ms, so the add below is still running when SIGTERM arrives.
        const started = start({ PORT: "0", ORCHESTRA_SANDBOX_FAULTS: "cart.*=latency:800ms" })
        yield* stopped(started)
        const port = yield* listeningPort(started)
        const base = `http://127.0.0.1:${port}`
        const health = yield* Effect.promise(() => fetch(`${base}/health`).then((r) => r.json()))
        expect(Schema.decodeUnknownSync(Status)(health).status).toBe("ok")

        const inFlight = Effect.runPromise(
          Effect.promise(() =>
            fetch(`${base}/cart/items?compute=false`, {
              method: "POST",
              headers: { "content-type": "application/json", "x-domain-id": "dom_demo", "x-session-id": "s1" },
              body: JSON.stringify({ operations: [{ op: "ADD", product_id: "prod_case", quantity: 1 }] })
            }).then((r) => r.status)
          )
        )
        yield* Effect.sleep("300 millis")
        const signalledAt = Date.now()
        started.child.kill("SIGTERM")
        expect(yield* Effect.promise(() => inFlight)).toBe(200)
        expect(yield* Effect.promise(() => started.exited)).toBe(0)
        // Drained as soon as the last answer went out, not after a keep-alive timeout.
        expect(Date.now() - signalledAt).toBeLessThan(4_000)
        expect(started.output()).toContain("trusted as sent")
      }),
    20_000
  )

  it.live(
    "starts with its Redis unreachable: /ready is 503, carts are served",
    () =>
      Effect.gen(function* () {
        // Nothing listens on port 1: like a Redis that is down when the server boots.
        const started = start({ PORT: "0", REDIS_URL: "redis://127.0.0.1:1" })
        yield* stopped(started)
        const base = `http://127.0.0.1:${yield* listeningPort(started)}`
        const ready = yield* Effect.promise(() => fetch(`${base}/ready`))
        expect(ready.status).toBe(503)
        const cart = yield* Effect.promise(() =>
          fetch(`${base}/cart`, { headers: { "x-domain-id": "dom_demo", "x-session-id": "s-redis-down" } })
        )
        expect(cart.status).toBe(200)
        expect(started.output()).toContain("does not answer: serving without it")
      }),
    20_000
  )

  it.live(
    "refuses to start in live mode without every service URL and the gateway secret",
    () =>
      Effect.gen(function* () {
        const started = start({ PORT: "0", CART_SERVICE_URL: "http://127.0.0.1:1" })
        yield* stopped(started)
        expect(yield* Effect.promise(() => started.exited)).toBe(1)
        expect(started.output()).toContain("Live mode needs")
        expect(started.output()).toContain("ORCHESTRA_GATEWAY_SECRET")
      }),
    20_000
  )
})
