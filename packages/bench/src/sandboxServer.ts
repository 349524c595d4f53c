import { NodeRuntime } from "@effect/platform-node"
import { parseFaultSpec } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { SandboxServer } from "@orchestra/testkit/sandbox/SandboxServer"
import { Effect, Layer, Result } from "effect"
import { benchSandbox, seedPlanFromEnv } from "./seed.ts"

/**
 * The thirteen downstream contracts on one loopback port (`PORT`), over the bench catalog seeded
 * with `BENCH_SEED`, with `BENCH_FAULTS` (e.g. `*=latency:10ms`): the HTTP-downstream mode's
 * services, shared by ours and the baseline.
 */
const faults = parseFaultSpec(process.env.BENCH_FAULTS ?? "")
if (Result.isFailure(faults)) throw new Error(faults.failure)

const server = SandboxServer(Number(process.env.PORT ?? 0)).pipe(
  Layer.provide(benchSandbox(seedPlanFromEnv())),
  Layer.provide(FaultInjector.make({ rules: faults.success }))
)

NodeRuntime.runMain(Layer.launch(server).pipe(Effect.asVoid))
