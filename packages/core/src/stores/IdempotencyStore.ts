import { Clock, Context, Data, Effect, Layer, Option, Schema } from "effect"
import { keys } from "./keys.ts"
import { decodeReply, RedisConnection } from "./RedisConnection.ts"
import { StoreUnavailable } from "./StoreUnavailable.ts"

export const StoredResponse = Schema.Struct({
  status: Schema.Int,
  body: Schema.String,
  headers: Schema.Record(Schema.String, Schema.String)
})
export type StoredResponse = typeof StoredResponse.Type

export type BeginOutcome = Data.TaggedEnum<{
  Started: {}
  InProgress: {}
  Mismatch: {}
  Completed: { readonly response: StoredResponse }
}>
export const BeginOutcome = Data.taggedEnum<BeginOutcome>()

const STORE = "IdempotencyStore"
// Short, so a process that crashed mid-request does not block the key for long.
const IN_PROGRESS_TTL_MS = 60_000
const COMPLETED_TTL_MS = 86_400_000

const Entry = Schema.Union([
  Schema.TaggedStruct("Running", { fingerprint: Schema.String }),
  Schema.TaggedStruct("Done", { fingerprint: Schema.String, response: StoredResponse })
])
type Entry = typeof Entry.Type
const EntryJson = Schema.fromJsonString(Entry)

const outcomeOf = (existing: Entry, fingerprint: string): BeginOutcome =>
  existing.fingerprint !== fingerprint
    ? BeginOutcome.Mismatch()
    : existing._tag === "Running"
      ? BeginOutcome.InProgress()
      : BeginOutcome.Completed({ response: existing.response })

interface Backend {
  /** Stores `entry` unless the key is taken; returns what was there. */
  readonly claim: (key: string, entry: Entry, ttlMs: number) => Effect.Effect<Option.Option<Entry>, StoreUnavailable>
  readonly put: (key: string, entry: Entry, ttlMs: number) => Effect.Effect<void, StoreUnavailable>
  readonly drop: (key: string) => Effect.Effect<void, StoreUnavailable>
}

const make = (backend: Backend) =>
  IdempotencyStore.of({
    begin: (scope, key, fingerprint) =>
      Effect.map(
        backend.claim(keys.idempotency(scope, key), { _tag: "Running", fingerprint }, IN_PROGRESS_TTL_MS),
        Option.match({ onNone: () => BeginOutcome.Started(), onSome: (existing) => outcomeOf(existing, fingerprint) })
      ),
    complete: (scope, key, fingerprint, response) =>
      backend.put(keys.idempotency(scope, key), { _tag: "Done", fingerprint, response }, COMPLETED_TTL_MS),
    abandon: (scope, key) => backend.drop(keys.idempotency(scope, key))
  })

const memory = Effect.sync(() => {
  const entries = new Map<string, { readonly entry: Entry; readonly expiresAt: number }>()
  return make({
    claim: (key, entry, ttlMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const current = entries.get(key)
        if (current !== undefined && current.expiresAt > now) return Option.some(current.entry)
        entries.set(key, { entry, expiresAt: now + ttlMs })
        return Option.none()
      }),
    put: (key, entry, ttlMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => void entries.set(key, { entry, expiresAt: now + ttlMs })),
    drop: (key) => Effect.sync(() => void entries.delete(key))
  })
})

// Returns the existing value, or nil after storing ARGV[1] (SET NX GET needs Redis 7; this works on any).
const claimScript = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`

const redis = Effect.gen(function* () {
  const conn = yield* RedisConnection
  const decodeExisting = decodeReply(STORE, Schema.NullOr(EntryJson))
  const encode = (entry: Entry) =>
    Schema.encodeEffect(EntryJson)(entry).pipe(Effect.mapError(StoreUnavailable.fromCause(STORE)))
  return make({
    claim: (key, entry, ttlMs) =>
      encode(entry).pipe(
        Effect.flatMap((json) => conn.eval(STORE, claimScript, [key], [json, ttlMs])),
        Effect.flatMap(decodeExisting),
        Effect.map(Option.fromNullOr)
      ),
    put: (key, entry, ttlMs) =>
      encode(entry).pipe(Effect.flatMap((json) => conn.run(STORE, (c) => c.set(key, json, "PX", ttlMs))), Effect.asVoid),
    drop: (key) => Effect.asVoid(conn.run(STORE, (c) => c.del(key)))
  })
})

export class IdempotencyStore extends Context.Service<
  IdempotencyStore,
  {
    /**
     * Atomic: the first caller gets Started and holds the key for 60 s; the same fingerprint then sees InProgress
     * or Completed, any other fingerprint sees Mismatch.
     */
    readonly begin: (scope: string, key: string, fingerprint: string) => Effect.Effect<BeginOutcome, StoreUnavailable>
    /** Keeps the response for 24 h. */
    readonly complete: (
      scope: string,
      key: string,
      fingerprint: string,
      response: StoredResponse
    ) => Effect.Effect<void, StoreUnavailable>
    /** The request failed before any effect: forget the key so it can be retried. */
    readonly abandon: (scope: string, key: string) => Effect.Effect<void, StoreUnavailable>
  }
>()("orchestra/IdempotencyStore") {
  static readonly layerMemory = Layer.effect(IdempotencyStore, memory)
  static readonly layerRedis = Layer.effect(IdempotencyStore, redis)
}
