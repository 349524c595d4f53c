import { Config, Context, Effect, Layer, Option, Result, Schema } from "effect"
import { Cluster, Redis } from "ioredis"
import { StoreUnavailable } from "./StoreUnavailable.ts"

/** One Redis, or the seed nodes of a Redis Cluster (ioredis finds the rest of the cluster from them). */
export type RedisTarget =
  | { readonly _tag: "Single"; readonly url: string }
  | {
      readonly _tag: "Cluster"
      readonly nodes: ReadonlyArray<{ readonly host: string; readonly port: number }>
      /** Taken from `REDIS_URL` when it is also set: every node gets the same credentials. */
      readonly username?: string | undefined
      readonly password?: string | undefined
    }

/** What the stores call: a single Redis or a cluster, whose commands route each key to its slot's node. */
export type RedisClient = Redis | Cluster

export interface RedisOptions {
  readonly commandTimeoutMs?: number
}

const CONNECT_TIMEOUT_MS = 2_000
/** Reconnect backoff: 100, 200, 400 ms ... capped at 2 s, forever, so Redis coming back is noticed within 2 s. */
const reconnectDelay = (times: number) => Math.min(50 * 2 ** times, 2_000)

const nodePattern = /^(\[[0-9a-fA-F:.]+\]|[^\s:,[\]]+):(\d{1,5})$/

/** `host:port,host:port` (IPv6 hosts in brackets); a message naming the bad entry otherwise. */
export const parseClusterNodes = (
  text: string
): Result.Result<ReadonlyArray<{ readonly host: string; readonly port: number }>, string> => {
  const nodes: Array<{ host: string; port: number }> = []
  for (const entry of text.split(",").map((part) => part.trim()).filter((part) => part.length > 0)) {
    const match = nodePattern.exec(entry)
    const port = Number(match?.[2])
    if (match === null || !(port >= 1 && port <= 65_535)) {
      return Result.fail(`Bad cluster node "${entry}": expected host:port, e.g. 10.0.0.1:7000`)
    }
    nodes.push({ host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port })
  }
  return nodes.length === 0 ? Result.fail("expected at least one host:port") : Result.succeed(nodes)
}

const credentialsOf = (url: string): { username?: string; password?: string } => {
  try {
    const parsed = new URL(url)
    return {
      ...(parsed.username === "" ? {} : { username: decodeURIComponent(parsed.username) }),
      ...(parsed.password === "" ? {} : { password: decodeURIComponent(parsed.password) })
    }
  } catch {
    return {}
  }
}

/** `REDIS_CLUSTER_NODES` does not name nodes. */
export class RedisConfigError extends Schema.TaggedError<RedisConfigError>()("RedisConfigError", { message: Schema.String }) {}

// An empty variable counts as unset: `REDIS_URL= pnpm start` must not switch stores.
const setting = (name: string) =>
  Config.option(Config.String(name)).pipe(Config.map(Option.filter((value) => value.trim().length > 0)))

/**
 * Where the stores live, from the environment: `REDIS_CLUSTER_NODES` (a Redis Cluster; `REDIS_URL`
 * then only lends its credentials to every node) or `REDIS_URL` (one Redis); none when neither is set.
 */
export const redisTargetFromConfig: Effect.Effect<Option.Option<RedisTarget>, Config.ConfigError | RedisConfigError> =
  Effect.gen(function* () {
    const url = yield* setting("REDIS_URL")
    const nodes = yield* setting("REDIS_CLUSTER_NODES")
    if (Option.isNone(nodes)) return Option.map(url, (value): RedisTarget => ({ _tag: "Single", url: value }))
    const parsed = parseClusterNodes(nodes.value)
    if (Result.isFailure(parsed)) return yield* new RedisConfigError({ message: `REDIS_CLUSTER_NODES: ${parsed.failure}` })
    return Option.some<RedisTarget>({
      _tag: "Cluster",
      nodes: parsed.success,
      ...(Option.isSome(url) ? credentialsOf(url.value) : {})
    })
  })

export const describeTarget = (target: RedisTarget): string =>
  target._tag === "Single"
    ? // Never log a password from the URL.
      target.url.replace(/\/\/[^@/]*@/, "//")
    : `cluster ${target.nodes.map((node) => `${node.host}:${node.port}`).join(",")}`

const newClient = (target: RedisTarget, options: RedisOptions): RedisClient => {
  const commandTimeout = options.commandTimeoutMs ?? 500
  if (target._tag === "Single") {
    return new Redis(target.url, {
      lazyConnect: true,
      // Fail fast while disconnected: callers treat StoreUnavailable as a miss instead of queueing behind an outage.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: reconnectDelay
    })
  }
  return new Cluster(
    target.nodes.map((node) => ({ host: node.host, port: node.port })),
    {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      // Every key of a store operation is read and written on its slot's master: no stale replica reads.
      scaleReads: "master",
      redisOptions: {
        maxRetriesPerRequest: 1,
        commandTimeout,
        connectTimeout: CONNECT_TIMEOUT_MS,
        ...(target.username === undefined ? {} : { username: target.username }),
        ...(target.password === undefined ? {} : { password: target.password })
      }
    }
  )
}

/**
 * Opens the client without waiting for Redis: a Redis that is down at start is an outage like
 * any later one. Commands fail with StoreUnavailable (the stores degrade, `/ready` says down) while
 * the client keeps reconnecting in the background, until the scope closes.
 */
const open = (target: RedisTarget, options: RedisOptions = {}) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      let lastError: Error | undefined
      const client = newClient(target, options)
      // Without a listener ioredis prints "Unhandled error event"; the failing command reports the error instead.
      client.on("error", (error: Error) => {
        lastError = error
      })
      const first = yield* Effect.tryPromise({
        try: () => client.connect(),
        catch: (cause) => lastError ?? cause
      }).pipe(Effect.timeout(CONNECT_TIMEOUT_MS + 500), Effect.result)
      if (Result.isFailure(first)) {
        const error = first.failure
        yield* Effect.logWarning(`Redis (${describeTarget(target)}) does not answer: serving without it, reconnecting`, {
          error: error instanceof Error ? error.message : String(error)
        })
      }
      return client
    }),
    (client) =>
      Effect.tryPromise(() => client.quit()).pipe(
        Effect.timeout("1 second"),
        Effect.catch(() => Effect.sync(() => client.disconnect()))
      )
  )

/** Maps a reply that does not match `schema` to StoreUnavailable: a store must never die on what Redis sends back. */
export const decodeReply = <A>(store: string, schema: Schema.Decoder<A>) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (reply: unknown): Effect.Effect<A, StoreUnavailable> =>
    decode(reply).pipe(
      Effect.mapError((error) => new StoreUnavailable({ store, message: `unexpected reply: ${error.message}`, reason: "Error" }))
    )
}

// ioredis' own messages for a command refused for want of a connection (no offline queue) or cut off with it.
const notConnected = /^(Stream isn't writeable|Cluster isn't ready) and enableOfflineQueue options is false$|^Connection is closed\.$/

/**
 * Why a command failed, as the stores need to tell: no connection (refused at once, or the
 * connection closed under it), no answer in time (ioredis' `commandTimeout`), or an error answer.
 */
const failureOf = (client: RedisClient, store: string) => (cause: unknown) => {
  const message = cause instanceof Error ? cause.message : ""
  return StoreUnavailable.fromCause(
    store,
    client.status !== "ready" || notConnected.test(message) ? "Down" : message === "Command timed out" ? "Slow" : "Error"
  )(cause)
}

const make = (client: RedisClient) =>
  RedisConnection.of({
    client,
    run: (store, command) => Effect.tryPromise({ try: () => command(client), catch: failureOf(client, store) }),
    // A cluster routes the script by its first key: every key of a script shares one hash tag (one slot).
    eval: (store, script, keys, args) =>
      Effect.tryPromise({
        try: () => client.eval(script, keys.length, ...keys, ...args),
        catch: failureOf(client, store)
      })
  })

export class RedisConnection extends Context.Service<
  RedisConnection,
  {
    readonly client: RedisClient
    readonly run: <A>(store: string, command: (client: RedisClient) => Promise<A>) => Effect.Effect<A, StoreUnavailable>
    readonly eval: (
      store: string,
      script: string,
      keys: ReadonlyArray<string>,
      args: ReadonlyArray<string | number>
    ) => Effect.Effect<unknown, StoreUnavailable>
  }
>()("orchestra/RedisConnection") {
  static readonly layerFrom = (target: RedisTarget, options?: RedisOptions) =>
    Layer.effect(RedisConnection, Effect.map(open(target, options), make))

  static readonly layerFromUrl = (url: string, options?: RedisOptions) =>
    RedisConnection.layerFrom({ _tag: "Single", url }, options)

  static readonly layerFromClusterNodes = (nodes: ReadonlyArray<{ readonly host: string; readonly port: number }>, options?: RedisOptions) =>
    RedisConnection.layerFrom({ _tag: "Cluster", nodes }, options)

  /** From `REDIS_CLUSTER_NODES` / `REDIS_URL` (default `redis://127.0.0.1:6379`) and `REDIS_COMMAND_TIMEOUT_MS`. */
  static readonly layer = Layer.effect(
    RedisConnection,
    Effect.gen(function* () {
      const target = Option.getOrElse(yield* redisTargetFromConfig, (): RedisTarget => ({ _tag: "Single", url: "redis://127.0.0.1:6379" }))
      const commandTimeoutMs = yield* Config.Int("REDIS_COMMAND_TIMEOUT_MS").pipe(Config.withDefault(500))
      return make(yield* open(target, { commandTimeoutMs }))
    })
  )
}
