import { RedisConnection } from "@orchestra/core/stores/RedisConnection"
import { Context, Effect, Layer } from "effect"

export type RedisState = "up" | "down" | "not configured"

/** Whether the stores answer: what `GET /ready` reports. */
export class Readiness extends Context.Service<Readiness, { readonly redis: Effect.Effect<RedisState> }>()(
  "orchestra/http/Readiness"
) {
  /** Memory stores live in this process: they answer whenever the process does. */
  static readonly layerMemory = Layer.succeed(Readiness, Readiness.of({ redis: Effect.succeed("not configured") }))

  static readonly layerRedis = Layer.effect(
    Readiness,
    Effect.gen(function* () {
      const connection = yield* RedisConnection
      return Readiness.of({
        redis: connection.run("readiness", (client) => client.ping()).pipe(
          Effect.timeout("1 second"),
          Effect.match({ onFailure: (): RedisState => "down", onSuccess: (): RedisState => "up" })
        )
      })
    })
  )
}
