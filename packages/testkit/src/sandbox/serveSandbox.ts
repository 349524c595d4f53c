import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer, Option, Result, Schema } from "effect"
import { parseFaultSpec } from "../faults/Fault.ts"
import { sandboxAddress, sharedSandbox } from "./sharedSandbox.ts"

/**
 * `node packages/testkit/src/sandbox/serveSandbox.ts`: one sandbox of all thirteen downstream
 * services on 127.0.0.1:`PORT` (default 4000; 0 picks a free one), with faults from
 * `ORCHESTRA_SANDBOX_FAULTS` (seeded by `ORCHESTRA_SANDBOX_SEED`). Point every `*_SERVICE_URL` of
 * one or more orchestrators (live mode) at the URL it prints, and they share its state. Runs until
 * SIGTERM / SIGINT.
 */
const main = Effect.gen(function* () {
  const port = yield* Config.schema(Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 65_535 }))), "PORT").pipe(
    Config.withDefault(4000)
  )
  const seed = yield* Config.option(Config.Int("ORCHESTRA_SANDBOX_SEED"))
  const spec = yield* Config.option(Config.String("ORCHESTRA_SANDBOX_FAULTS"))
  const faults = Option.match(spec, { onNone: () => Result.succeed([]), onSome: parseFaultSpec })
  if (Result.isFailure(faults)) return yield* Effect.die(`ORCHESTRA_SANDBOX_FAULTS: ${faults.failure}`)
  const announce = Layer.effectDiscard(
    Effect.flatMap(sandboxAddress, ({ baseUrl }) => Effect.logInfo(`Sandbox listening on ${baseUrl} (every *_SERVICE_URL)`))
  )
  return announce.pipe(
    Layer.provide(sharedSandbox({ port, faults: faults.success, ...(Option.isSome(seed) ? { seed: seed.value } : {}) }))
  )
})

NodeRuntime.runMain(Layer.launch(Layer.unwrap(main)))
