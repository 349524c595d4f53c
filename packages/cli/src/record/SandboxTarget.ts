import { Effect, Layer, References } from "effect"
import { HttpServer, HttpServerError } from "effect/http"
import type { FaultRule } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { Sandbox } from "@orchestra/testkit/sandbox/Sandbox"
import { SandboxServer, sandboxServiceUrls } from "@orchestra/testkit/sandbox/SandboxServer"

/** The sandbox server a recording talks to, and its state for staging an incident. */
export interface SandboxTarget {
  readonly serviceUrls: Readonly<Record<string, string>>
  readonly sandbox: Sandbox["Service"]
  readonly injector: FaultInjector["Service"]
}

/**
 * Serves all thirteen downstream contracts from the in-memory simulators (demo catalog) on a free
 * loopback port for as long as `use` runs: recording against it goes over real HTTP, through the
 * same client layers as production.
 */
export const withSandboxServer = <A, E>(
  faults: ReadonlyArray<FaultRule>,
  use: (target: SandboxTarget) => Effect.Effect<A, E>
): Effect.Effect<A, E | string> =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    return yield* use({
      serviceUrls: sandboxServiceUrls(`http://127.0.0.1:${port}`),
      sandbox: yield* Sandbox,
      injector: yield* FaultInjector
    })
  }).pipe(
    Effect.provide(SandboxServer(0).pipe(Layer.provideMerge(Layer.merge(Sandbox.layer, FaultInjector.make({ rules: faults }))))),
    // The server announces its port at Info; a recording's output is the fixture summary.
    Effect.provideService(References.MinimumLogLevel, "Warn"),
    Effect.catchIf(
      (error): error is HttpServerError.ServeError => error instanceof HttpServerError.ServeError,
      (error) => Effect.fail(`the sandbox server could not start: ${String(error.cause)}`)
    )
  )
