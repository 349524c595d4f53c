import { Config, Context, Effect, Layer, Schema } from "effect"
import { Redis } from "ioredis"
import { StoreUnavailable } from "./StoreUnavailable.ts"

export interface RedisOptions {
  readonly commandTimeoutMs?: number
}

const connect = (url: string, options: RedisOptions = {}) =>
  Effect.gen(function* () {
    let lastError: Error | undefined
    const acquire = Effect.sync(() => {
      const client = new Redis(url, {
        lazyConnect: true,
        // Fail fast while disconnected: callers treat StoreUnavailable as a miss instead of queueing behind an outage.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: options.commandTimeoutMs ?? 500,
        connectTimeout: 2_000,
        retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000)
      })
      // Without a listener ioredis prints "Unhandled error event"; the failing command reports the error instead.
      client.on("error", (error: Error) => {
        lastError = error
      })
      return client
    })
    return yield* Effect.acquireRelease(
      Effect.flatMap(acquire, (client) =>
        Effect.tryPromise({
          try: () => client.connect(),
          catch: (cause) => StoreUnavailable.fromCause("redis")(lastError ?? cause)
        }).pipe(
          // A failed connect would otherwise keep reconnecting in the background forever.
          Effect.tapError(() => Effect.sync(() => client.disconnect())),
          Effect.as(client)
        )
      ),
      (client) =>
        Effect.tryPromise(() => client.quit()).pipe(
          Effect.timeout("1 second"),
          Effect.catch(() => Effect.sync(() => client.disconnect()))
        )
    )
  })

/** Maps a reply that does not match `schema` to StoreUnavailable: a store must never die on what Redis sends back. */
export const decodeReply = <A>(store: string, schema: Schema.Decoder<A>) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (reply: unknown): Effect.Effect<A, StoreUnavailable> =>
    decode(reply).pipe(
      Effect.mapError((error) => new StoreUnavailable({ store, message: `unexpected reply: ${error.message}` }))
    )
}

const make = (client: Redis) =>
  RedisConnection.of({
    client,
    run: (store, command) =>
      Effect.tryPromise({ try: () => command(client), catch: StoreUnavailable.fromCause(store) }),
    eval: (store, script, keys, args) =>
      Effect.tryPromise({
        try: () => client.eval(script, keys.length, ...keys, ...args),
        catch: StoreUnavailable.fromCause(store)
      })
  })

export class RedisConnection extends Context.Service<
  RedisConnection,
  {
    readonly client: Redis
    readonly run: <A>(store: string, command: (client: Redis) => Promise<A>) => Effect.Effect<A, StoreUnavailable>
    readonly eval: (
      store: string,
      script: string,
      keys: ReadonlyArray<string>,
      args: ReadonlyArray<string | number>
    ) => Effect.Effect<unknown, StoreUnavailable>
  }
>()("orchestra/RedisConnection") {
  static readonly layerFromUrl = (url: string, options?: RedisOptions) =>
    Layer.effect(RedisConnection, Effect.map(connect(url, options), make))

  static readonly layer = Layer.effect(
    RedisConnection,
    Effect.gen(function* () {
      const url = yield* Config.String("REDIS_URL").pipe(Config.withDefault("redis://127.0.0.1:6379"))
      const commandTimeoutMs = yield* Config.Int("REDIS_COMMAND_TIMEOUT_MS").pipe(Config.withDefault(500))
      return make(yield* connect(url, { commandTimeoutMs }))
    })
  )
}
