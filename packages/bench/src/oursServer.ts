import { NodeRuntime } from "@effect/platform-node"
import { OrchestraServer } from "@orchestra/http/server/Server"
import { signalTeardown } from "@orchestra/http/server/teardown"
import { Sandbox } from "@orchestra/testkit/sandbox/Sandbox"
import { Effect, Layer } from "effect"
import { benchSandbox, seedPlanFromEnv } from "./seed.ts"

/**
 * Ours, exactly as `pnpm start` builds it (`OrchestraServer`: configuration from the environment,
 * sandbox or live downstreams, memory or Redis stores, JSON logs), with one substitution: the
 * sandbox's `Sandbox.layer` is memoised beforehand as the bench catalog's, seeded with the carts
 * the runs need. Layers are memoised by reference, so the server's own `Layer.provide(Sandbox.layer)`
 * finds this one. In live mode (downstream URLs set) the sandbox is never asked for.
 */
const main = Effect.gen(function* () {
  const scope = yield* Effect.scope
  const memoMap = Layer.makeMemoMapUnsafe()
  const plan = seedPlanFromEnv()
  yield* memoMap.getOrElseMemoize(Sandbox.layer, scope, (mm, sc) => Layer.buildWithMemoMap(benchSandbox(plan), mm, sc))
  yield* Layer.buildWithMemoMap(OrchestraServer, memoMap, scope)
  return yield* Effect.never
}).pipe(Effect.scoped)

NodeRuntime.runMain(main, { teardown: signalTeardown })
