import { Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import type { FaultRule } from "../faults/Fault.ts"
import { FaultInjector } from "../faults/FaultInjector.ts"
import { Sandbox } from "./Sandbox.ts"
import { SandboxServer, sandboxServiceUrls } from "./SandboxServer.ts"

export interface SharedSandboxOptions {
  /** 0 picks a free port. */
  readonly port: number
  readonly faults?: ReadonlyArray<FaultRule>
  /** Seeds the fault generator, so a run sees the same faults in the same order. */
  readonly seed?: number
}

/**
 * The thirteen simulators behind one loopback HTTP server: the downstream world several
 * orchestrator processes share when their `*_SERVICE_URL`s all point at it (live mode). Exposes
 * the Sandbox (its state, for invariants), the FaultInjector and the server (its port).
 */
export const sharedSandbox = (options: SharedSandboxOptions) =>
  SandboxServer(options.port).pipe(
    Layer.provideMerge(
      Layer.merge(
        Sandbox.layer,
        FaultInjector.make({ rules: options.faults ?? [], ...(options.seed === undefined ? {} : { seed: options.seed }) })
      )
    )
  )

/** The base URL of the served sandbox and the `*_SERVICE_URL` variables that point at it. */
export const sandboxAddress = Effect.gen(function* () {
  const server = yield* HttpServer.HttpServer
  const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
  const baseUrl = `http://127.0.0.1:${port}`
  return { port, baseUrl, serviceUrls: sandboxServiceUrls(baseUrl) }
})
