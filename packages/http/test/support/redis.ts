import { RedisConnection } from "@orchestra/core/stores/RedisConnection"
import { Effect } from "effect"

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"

const reachable = await Effect.runPromise(
  Effect.gen(function* () {
    const connection = yield* RedisConnection
    return (yield* connection.run("test", (client) => client.ping())) === "PONG"
  }).pipe(
    Effect.provide(RedisConnection.layerFromUrl(redisUrl)),
    Effect.scoped,
    Effect.timeout("2 seconds"),
    Effect.orElseSucceed(() => false)
  )
)

// Locally a missing Redis skips its suites; in CI it must fail them instead of hiding them.
export const skipRedis = !reachable && !process.env.CI

/** An id no earlier run used: Redis keeps idempotency keys for 24 h. */
export const freshId = (prefix: string) => `${prefix}-${crypto.randomUUID()}`

