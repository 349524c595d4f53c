import { Clock, Context, Deferred, Effect, Layer, Option, Schema } from "effect"
import { makeChangeSignals } from "./changeSignals.ts"
import { StoreUnavailable } from "./StoreUnavailable.ts"

/**
 * Where a checkout stands, as operators and the request side see it. The workflow engine holds
 * the saga itself; this is its index: by key, by cart, by order and by gateway order.
 *
 * CLAIMED: a request took the key; the workflow may not have started yet.
 * STARTED: phase 1 runs. AWAITING_PAYMENT: waiting for the gateway within the payment window.
 * PAID: every payment confirmed, phase 2 runs. COMPENSATING: undoing after a failure.
 * Terminal: COMPLETED, CANCELLED (something was undone), REJECTED (refused before anything was
 * created), HELD_FOR_REVIEW (the gateway paid another amount: an operator decides).
 */
export const CheckoutState = Schema.Literals([
  "CLAIMED",
  "STARTED",
  "AWAITING_PAYMENT",
  "PAID",
  "COMPENSATING",
  "COMPLETED",
  "CANCELLED",
  "REJECTED",
  "HELD_FOR_REVIEW"
])
export type CheckoutState = typeof CheckoutState.Type

export const terminalStates: ReadonlySet<CheckoutState> = new Set(["COMPLETED", "CANCELLED", "REJECTED", "HELD_FOR_REVIEW"])
export const isTerminal = (state: CheckoutState) => terminalStates.has(state)

export const CheckoutRecord = Schema.Struct({
  execution_id: Schema.String,
  /** The owner the client key belongs to (`keyScope`). */
  scope: Schema.String,
  client_key: Schema.String,
  /** Digest of the request that claimed the key: the same key with another request is refused. */
  fingerprint: Schema.String,
  /** The cart being checked out (`ownerKey`): at most one unfinished checkout each. */
  cart_key: Schema.String,
  state: CheckoutState,
  order_id: Schema.optionalKey(Schema.String),
  order_number: Schema.optionalKey(Schema.String),
  gateway_order_ids: Schema.Array(Schema.String),
  /** The answer the place-order request gets, JSON owned by the checkout flow; set once phase 1 has one. */
  answer: Schema.optionalKey(Schema.String),
  /** Epoch ms at which an unpaid gateway payment is given up. */
  payment_window_ends_at: Schema.optionalKey(Schema.Finite),
  created_at: Schema.Finite,
  updated_at: Schema.Finite
})
export type CheckoutRecord = typeof CheckoutRecord.Type

/** One downstream call a checkout made, for `orchestra checkout show`. */
export const CheckoutStep = Schema.Struct({
  step: Schema.String,
  /** The saga step (activity) the call belongs to. */
  activity: Schema.String,
  outcome: Schema.String,
  attempts: Schema.Int,
  started_at: Schema.Finite,
  duration_ms: Schema.Finite,
  error: Schema.optionalKey(Schema.String)
})
export type CheckoutStep = typeof CheckoutStep.Type

export type ClaimOutcome =
  | { readonly _tag: "Claimed"; readonly record: CheckoutRecord }
  | { readonly _tag: "Existing"; readonly record: CheckoutRecord }
  | { readonly _tag: "Mismatch"; readonly record: CheckoutRecord }

export type CartClaim = { readonly _tag: "Held" } | { readonly _tag: "Busy"; readonly holder: CheckoutRecord }

export interface ClaimInput {
  readonly executionId: string
  readonly scope: string
  readonly clientKey: string
  readonly fingerprint: string
  readonly cartKey: string
}

export interface CheckoutUpdate {
  readonly state?: CheckoutState
  readonly order_id?: string
  readonly order_number?: string
  readonly gateway_order_ids?: ReadonlyArray<string>
  readonly answer?: string
  readonly payment_window_ends_at?: number
}

export interface ListFilter {
  readonly states?: ReadonlyArray<CheckoutState> | undefined
  /** Only checkouts created before this epoch ms. */
  readonly createdBefore?: number | undefined
  readonly limit: number
}

export interface CheckoutCounts {
  readonly byState: ReadonlyArray<{ readonly state: CheckoutState; readonly count: number }>
  /** Creation time of the oldest checkout not yet in a terminal state. */
  readonly oldestUnfinishedAt: Option.Option<number>
}

type Fails<A> = Effect.Effect<A, StoreUnavailable>

export interface CheckoutRegistryShape {
  /** Takes the client's key for a checkout, or finds who has it. */
  readonly claim: (input: ClaimInput) => Fails<ClaimOutcome>
  readonly get: (executionId: string) => Fails<Option.Option<CheckoutRecord>>
  readonly update: (executionId: string, update: CheckoutUpdate) => Fails<void>
  /**
   * Makes this checkout the cart's one unfinished checkout, unless another unfinished one holds
   * it. Taking it again is a no-op, so the workflow may repeat it.
   */
  readonly holdCart: (cartKey: string, executionId: string) => Fails<CartClaim>
  /** Lets go of the cart; only its holder can. */
  readonly releaseCart: (cartKey: string, executionId: string) => Fails<void>
  readonly findByGatewayOrderId: (gatewayOrderId: string) => Fails<Option.Option<CheckoutRecord>>
  /** By order id, order number or client key (operators quote any of them). */
  readonly find: (reference: string) => Fails<ReadonlyArray<CheckoutRecord>>
  /** True the first time an event id is seen. */
  readonly recordWebhookEvent: (eventId: string, executionId: string) => Fails<boolean>
  readonly recordSteps: (executionId: string, steps: ReadonlyArray<CheckoutStep>) => Fails<void>
  readonly steps: (executionId: string) => Fails<ReadonlyArray<CheckoutStep>>
  readonly list: (filter: ListFilter) => Fails<ReadonlyArray<CheckoutRecord>>
  readonly counts: Fails<CheckoutCounts>
  /**
   * The checkout once `ready` holds for it, or as it is when `until` (epoch ms) passes (none: no
   * such checkout). Wakes on every change this process makes; shared storage is polled for the
   * changes of other processes.
   */
  readonly awaitRecord: (
    executionId: string,
    until: number,
    ready: (record: CheckoutRecord) => boolean
  ) => Fails<Option.Option<CheckoutRecord>>
  /** Forgets up to `limit` terminal checkouts last changed before `before`; returns their execution ids. */
  readonly removeFinishedBefore: (before: number, limit: number) => Fails<ReadonlyArray<string>>
}

export const claimOutcome = (existing: CheckoutRecord, input: ClaimInput, claimed: boolean): ClaimOutcome => {
  if (claimed) return { _tag: "Claimed", record: existing }
  return existing.fingerprint === input.fingerprint ? { _tag: "Existing", record: existing } : { _tag: "Mismatch", record: existing }
}

export const newRecord = (input: ClaimInput, now: number): CheckoutRecord => ({
  execution_id: input.executionId,
  scope: input.scope,
  client_key: input.clientKey,
  fingerprint: input.fingerprint,
  cart_key: input.cartKey,
  state: "CLAIMED",
  gateway_order_ids: [],
  created_at: now,
  updated_at: now
})

export const applyUpdate = (record: CheckoutRecord, update: CheckoutUpdate, now: number): CheckoutRecord => ({
  ...record,
  ...update,
  gateway_order_ids: update.gateway_order_ids ?? record.gateway_order_ids,
  updated_at: now
})

/**
 * The checkout saga's index (DESIGN §6): lives beside the workflow engine — in PostgreSQL with
 * `DATABASE_URL` (`CheckoutRegistrySql`), in memory otherwise.
 */
export class CheckoutRegistry extends Context.Service<CheckoutRegistry, CheckoutRegistryShape>()("orchestra/CheckoutRegistry") {
  /** One process: the sandbox and unit tests, beside the in-memory workflow engine. */
  static readonly layerMemory = Layer.effect(
    CheckoutRegistry,
    Effect.sync(() => {
      const records = new Map<string, CheckoutRecord>()
      const carts = new Map<string, string>()
      const events = new Map<string, string>()
      const steps = new Map<string, Array<CheckoutStep>>()
      const { next: nextChange, changed, forget } = makeChangeSignals()
      const get = (executionId: string) => Effect.sync(() => Option.fromNullishOr(records.get(executionId)))
      const all = () => [...records.values()]
      return CheckoutRegistry.of({
        claim: (input) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            const existing = records.get(input.executionId)
            if (existing !== undefined) return claimOutcome(existing, input, false)
            const record = newRecord(input, now)
            records.set(input.executionId, record)
            return claimOutcome(record, input, true)
          }),
        get,
        update: (executionId, update) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const record = records.get(executionId)
            if (record === undefined) return Effect.void
            records.set(executionId, applyUpdate(record, update, now))
            return changed(executionId)
          }),
        holdCart: (cartKey, executionId) =>
          Effect.sync((): CartClaim => {
            const holderId = carts.get(cartKey)
            const holder = holderId === undefined ? undefined : records.get(holderId)
            if (holder !== undefined && holderId !== executionId && !isTerminal(holder.state)) return { _tag: "Busy", holder }
            carts.set(cartKey, executionId)
            return { _tag: "Held" }
          }),
        releaseCart: (cartKey, executionId) =>
          Effect.sync(() => {
            if (carts.get(cartKey) === executionId) carts.delete(cartKey)
          }),
        findByGatewayOrderId: (gatewayOrderId) =>
          Effect.sync(() => {
            const holders = all().filter((r) => r.gateway_order_ids.includes(gatewayOrderId))
            return Option.fromNullishOr(holders.find((r) => !isTerminal(r.state)) ?? holders[0])
          }),
        find: (reference) =>
          Effect.sync(() =>
            all().filter(
              (r) => r.execution_id === reference || r.order_id === reference || r.order_number === reference || r.client_key === reference
            )
          ),
        recordWebhookEvent: (eventId, executionId) =>
          Effect.sync(() => {
            if (events.has(eventId)) return false
            events.set(eventId, executionId)
            return true
          }),
        recordSteps: (executionId, entries) =>
          Effect.sync(() => {
            steps.set(executionId, [...(steps.get(executionId) ?? []), ...entries])
          }),
        steps: (executionId) => Effect.sync(() => steps.get(executionId) ?? []),
        list: (filter) =>
          Effect.sync(() =>
            all()
              .filter(
                (r) =>
                  (filter.states === undefined || filter.states.includes(r.state)) &&
                  (filter.createdBefore === undefined || r.created_at < filter.createdBefore)
              )
              .sort((a, b) => a.created_at - b.created_at)
              .slice(0, filter.limit)
          ),
        counts: Effect.sync(() => {
          const byState = new Map<CheckoutState, number>()
          let oldest: number | undefined
          for (const record of records.values()) {
            byState.set(record.state, (byState.get(record.state) ?? 0) + 1)
            if (!isTerminal(record.state) && (oldest === undefined || record.created_at < oldest)) oldest = record.created_at
          }
          return {
            byState: [...byState].map(([state, count]) => ({ state, count })),
            oldestUnfinishedAt: Option.fromNullishOr(oldest)
          }
        }),
        awaitRecord: (executionId, until, ready) =>
          Effect.gen(function* () {
            while (true) {
              const change = nextChange(executionId)
              const record = records.get(executionId)
              const left = until - (yield* Clock.currentTimeMillis)
              if (record === undefined || ready(record) || left <= 0) return Option.fromNullishOr(record)
              yield* Effect.timeoutOption(Deferred.await(change), left)
            }
          }),
        removeFinishedBefore: (before, limit) =>
          Effect.sync(() => {
            const removed = all()
              .filter((r) => isTerminal(r.state) && r.updated_at < before)
              .slice(0, limit)
            for (const record of removed) {
              records.delete(record.execution_id)
              steps.delete(record.execution_id)
              forget(record.execution_id)
            }
            return removed.map((r) => r.execution_id)
          })
      })
    })
  )
}

export const registryUnavailable = StoreUnavailable.fromCause("CheckoutRegistry")
