import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { keys } from "./keys.ts"
import { decodeReply, RedisConnection } from "./RedisConnection.ts"
import { allowedFrom, SagaState } from "./SagaState.ts"
import { StoreUnavailable } from "./StoreUnavailable.ts"

export const SagaRecord = Schema.Struct({
  orderId: Schema.String,
  state: SagaState,
  gatewayOrderIds: Schema.Array(Schema.String),
  /** JSON text owned by the checkout flow. */
  data: Schema.String,
  updatedAt: Schema.Finite
})
export type SagaRecord = typeof SagaRecord.Type

export type TransitionResult =
  | { readonly _tag: "Moved"; readonly record: SagaRecord }
  | { readonly _tag: "Rejected"; readonly current: Option.Option<SagaRecord> }

const STORE = "CheckoutStore"
const TTL_MS = 7 * 86_400_000

interface Backend {
  readonly insert: (record: SagaRecord) => Effect.Effect<boolean, StoreUnavailable>
  readonly read: (orderId: string) => Effect.Effect<Option.Option<SagaRecord>, StoreUnavailable>
  /** Moves to `to` only from one of `from`; returns whether it moved and the record after the attempt. */
  readonly compareAndSet: (
    orderId: string,
    from: ReadonlyArray<SagaState>,
    to: SagaState,
    data: string | undefined,
    now: number
  ) => Effect.Effect<{ readonly moved: boolean; readonly record: Option.Option<SagaRecord> }, StoreUnavailable>
  /** False when there is no such saga. */
  readonly appendGatewayOrderId: (orderId: string, gatewayOrderId: string) => Effect.Effect<boolean, StoreUnavailable>
  readonly index: (gatewayOrderId: string, orderId: string) => Effect.Effect<void, StoreUnavailable>
  readonly lookup: (gatewayOrderId: string) => Effect.Effect<Option.Option<string>, StoreUnavailable>
  readonly claimEvent: (eventId: string) => Effect.Effect<boolean, StoreUnavailable>
}

const make = (backend: Backend) =>
  CheckoutStore.of({
    create: (record) =>
      // Index first: an index to a saga not yet written reads as a miss, whereas a saga whose index write failed
      // after an "exists" retry would stay unreachable from its webhooks.
      Effect.forEach(record.gatewayOrderIds, (id) => backend.index(id, record.orderId), { discard: true }).pipe(
        Effect.andThen(backend.insert(record)),
        Effect.map((inserted) => (inserted ? "created" : "exists"))
      ),
    get: backend.read,
    findByGatewayOrderId: (gatewayOrderId) =>
      backend.lookup(gatewayOrderId).pipe(
        Effect.flatMap(Option.match({ onNone: () => Effect.succeedNone, onSome: backend.read }))
      ),
    transition: (orderId, to, data) =>
      Clock.currentTimeMillis.pipe(
        Effect.flatMap((now) => backend.compareAndSet(orderId, allowedFrom(to), to, data, now)),
        Effect.map(({ moved, record }): TransitionResult =>
          moved && Option.isSome(record) ? { _tag: "Moved", record: record.value } : { _tag: "Rejected", current: record }
        )
      ),
    addGatewayOrderId: (orderId, gatewayOrderId) =>
      backend
        .appendGatewayOrderId(orderId, gatewayOrderId)
        .pipe(Effect.flatMap((found) => (found ? backend.index(gatewayOrderId, orderId) : Effect.void))),
    markEventProcessed: backend.claimEvent
  })

interface Expiring<A> {
  readonly value: A
  readonly expiresAt: number
}

const memory = Effect.sync(() => {
  const sagas = new Map<string, Expiring<SagaRecord>>()
  const gateways = new Map<string, Expiring<string>>()
  const events = new Map<string, Expiring<true>>()
  const live = <A>(map: Map<string, Expiring<A>>, key: string, now: number) => {
    const found = map.get(key)
    return found !== undefined && found.expiresAt > now ? found : undefined
  }
  // Reading the clock first keeps each map update synchronous, hence atomic between fibers.
  const atNow = <A>(f: (now: number) => A) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => f(now)))
  const insertNew = <A>(map: Map<string, Expiring<A>>, key: string, value: A) =>
    atNow((now) => {
      if (live(map, key, now) !== undefined) return false
      map.set(key, { value, expiresAt: now + TTL_MS })
      return true
    })
  return make({
    insert: (record) => insertNew(sagas, record.orderId, record),
    read: (orderId) => atNow((now) => Option.fromUndefinedOr(live(sagas, orderId, now)?.value)),
    compareAndSet: (orderId, from, to, data, now) =>
      Effect.sync(() => {
        const found = live(sagas, orderId, now)
        if (found === undefined || !from.includes(found.value.state)) {
          return { moved: false, record: Option.fromUndefinedOr(found?.value) }
        }
        const record: SagaRecord = { ...found.value, state: to, data: data ?? found.value.data, updatedAt: now }
        sagas.set(orderId, { value: record, expiresAt: found.expiresAt })
        return { moved: true, record: Option.some(record) }
      }),
    appendGatewayOrderId: (orderId, gatewayOrderId) =>
      atNow((now) => {
        const found = live(sagas, orderId, now)
        if (found === undefined) return false
        if (!found.value.gatewayOrderIds.includes(gatewayOrderId)) {
          const gatewayOrderIds = [...found.value.gatewayOrderIds, gatewayOrderId]
          sagas.set(orderId, { value: { ...found.value, gatewayOrderIds }, expiresAt: found.expiresAt })
        }
        return true
      }),
    index: (gatewayOrderId, orderId) =>
      atNow((now) => void gateways.set(gatewayOrderId, { value: orderId, expiresAt: now + TTL_MS })),
    lookup: (gatewayOrderId) => atNow((now) => Option.fromUndefinedOr(live(gateways, gatewayOrderId, now)?.value)),
    claimEvent: (eventId) => insertNew(events, eventId, true)
  })
})

// A saga is a hash: Lua's cjson would turn an empty gatewayOrderIds array into `{}`, so scripts only touch
// flat fields and never re-encode the whole record. gatewayOrderIds is JSON text in one field.
const SagaHash = Schema.Struct({
  orderId: Schema.String,
  state: SagaState,
  gatewayOrderIds: Schema.fromJsonString(Schema.Array(Schema.String)),
  data: Schema.String,
  updatedAt: Schema.FiniteFromString
})

// ARGV[1] = ttl ms, ARGV[2..] = field/value pairs.
const insertScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`

// ARGV[1] = to, ARGV[2] = updatedAt, ARGV[3] = '1' when ARGV[4] is new data, ARGV[5..] = states allowed to move to `to`.
const compareAndSetScript = `
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return {0, {}} end
for i = 5, #ARGV do
  if ARGV[i] == current then
    redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updatedAt', ARGV[2])
    if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'data', ARGV[4]) end
    return {1, redis.call('HGETALL', KEYS[1])}
  end
end
return {0, redis.call('HGETALL', KEYS[1])}`

// The array is never empty after the append, so cjson.encode yields a JSON array.
const appendScript = `
local ids = redis.call('HGET', KEYS[1], 'gatewayOrderIds')
if not ids then return 0 end
local list = cjson.decode(ids)
for _, id in ipairs(list) do
  if id == ARGV[1] then return 1 end
end
table.insert(list, ARGV[1])
redis.call('HSET', KEYS[1], 'gatewayOrderIds', cjson.encode(list))
return 1`

const pairsToObject = (flat: ReadonlyArray<string>): Record<string, string> => {
  const fields: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!
  return fields
}

const redis = Effect.gen(function* () {
  const conn = yield* RedisConnection
  const decodeHash = decodeReply(STORE, SagaHash)
  const decodeFlag = decodeReply(STORE, Schema.Literals([0, 1]))
  const decodeMove = decodeReply(STORE, Schema.Tuple([Schema.Literals([0, 1]), Schema.Array(Schema.String)]))
  const fromHash = (fields: Record<string, string>) =>
    Object.keys(fields).length === 0 ? Effect.succeedNone : Effect.map(decodeHash(fields), Option.some)
  return make({
    insert: (record) =>
      Schema.encodeEffect(SagaHash)(record).pipe(
        Effect.mapError(StoreUnavailable.fromCause(STORE)),
        Effect.flatMap((fields) =>
          conn.eval(STORE, insertScript, [keys.saga(record.orderId)], [TTL_MS, ...Object.entries(fields).flat()])
        ),
        Effect.flatMap(decodeFlag),
        Effect.map((inserted) => inserted === 1)
      ),
    read: (orderId) => conn.run(STORE, (c) => c.hgetall(keys.saga(orderId))).pipe(Effect.flatMap(fromHash)),
    compareAndSet: (orderId, from, to, data, now) =>
      conn
        .eval(
          STORE,
          compareAndSetScript,
          [keys.saga(orderId)],
          [to, String(now), data === undefined ? "0" : "1", data ?? "", ...from]
        )
        .pipe(
          Effect.flatMap(decodeMove),
          Effect.flatMap(([moved, flat]) =>
            Effect.map(fromHash(pairsToObject(flat)), (record) => ({ moved: moved === 1, record }))
          )
        ),
    appendGatewayOrderId: (orderId, gatewayOrderId) =>
      conn.eval(STORE, appendScript, [keys.saga(orderId)], [gatewayOrderId]).pipe(
        Effect.flatMap(decodeFlag),
        Effect.map((found) => found === 1)
      ),
    index: (gatewayOrderId, orderId) =>
      Effect.asVoid(conn.run(STORE, (c) => c.set(keys.sagaByGateway(gatewayOrderId), orderId, "PX", TTL_MS))),
    lookup: (gatewayOrderId) =>
      Effect.map(conn.run(STORE, (c) => c.get(keys.sagaByGateway(gatewayOrderId))), Option.fromNullOr),
    claimEvent: (eventId) =>
      Effect.map(
        conn.run(STORE, (c) => c.set(keys.webhookEvent(eventId), "1", "PX", TTL_MS, "NX")),
        (reply) => reply === "OK"
      )
  })
})

/** Persisted checkout sagas, kept 7 days, with an index by gateway order id and webhook event dedupe. */
export class CheckoutStore extends Context.Service<
  CheckoutStore,
  {
    /** Also indexes each gateway order id. */
    readonly create: (record: SagaRecord) => Effect.Effect<"created" | "exists", StoreUnavailable>
    readonly get: (orderId: string) => Effect.Effect<Option.Option<SagaRecord>, StoreUnavailable>
    readonly findByGatewayOrderId: (gatewayOrderId: string) => Effect.Effect<Option.Option<SagaRecord>, StoreUnavailable>
    /** Atomic compare-and-set: moves only when `canMove(current.state, to)`, so a saga never moves backwards. */
    readonly transition: (orderId: string, to: SagaState, data?: string) => Effect.Effect<TransitionResult, StoreUnavailable>
    readonly addGatewayOrderId: (orderId: string, gatewayOrderId: string) => Effect.Effect<void, StoreUnavailable>
    /** True the first time an event id is seen only. */
    readonly markEventProcessed: (eventId: string) => Effect.Effect<boolean, StoreUnavailable>
  }
>()("orchestra/CheckoutStore") {
  static readonly layerMemory = Layer.effect(CheckoutStore, memory)
  static readonly layerRedis = Layer.effect(CheckoutStore, redis)
}
