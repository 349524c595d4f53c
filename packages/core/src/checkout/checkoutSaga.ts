import { Clock, Context, Duration, Effect, Option, Result, Schema } from "effect"
import { DurableClock, DurableDeferred } from "effect/workflow"
import { type ApiError, CheckoutPending, OutOfStock, PaymentFailed, RateLimited } from "../domain/Errors.ts"
import { downstreamKey } from "../domain/IdempotencyKey.ts"
import type { Order } from "../domain/Order.ts"
import { fromOwnerRef, ownerKey } from "../domain/Owner.ts"
import { ownerSubject, walletSubject } from "../limits/AbuseLimits.ts"
import { Payment } from "../domain/Payment.ts"
import { isTerminal } from "../stores/CheckoutRegistry.ts"
import type { CheckoutDeps } from "./CheckoutDeps.ts"
import type { CheckoutRun } from "./CheckoutRun.ts"
import { makeCheckoutSteps } from "./checkoutSteps.ts"
import { type CheckoutOutcome, type CheckoutPayload, PaymentConfirmation, PaymentNotice } from "./CheckoutWorkflow.ts"
import { decodeAnswer, encodeAnswer, type PlaceOrderAnswer } from "./PlaceOrderAnswer.ts"
import { type PaymentProgress, paymentsOf, phaseOne, type Placed } from "./phaseOne.ts"
import { announceCancellation, announceOrder, clearCart, confirmOrder, deductStock } from "./phaseTwo.ts"
import { bookkeeping, type Durable, makeCompensations, mustStep } from "./sagaSteps.ts"

/**
 * How long one try of a saga step may take. No client waits on it (the request only waits for the
 * answer), so it is not the request's deadline; each call in it still has its own timeout and
 * retries (DESIGN §7), this only bounds them together.
 */
const SAGA_TRY_BUDGET_MS = 30_000

/** How long a checkout waits for an unpaid gateway payment (`ORCHESTRA_PAYMENT_WINDOW_S`, 900 s as the reservation's TTL). */
export const PaymentWindow = Context.Reference<Duration.Duration>("orchestra/checkout/PaymentWindow", {
  defaultValue: () => Duration.seconds(900)
})

const placedAnswer = (order: Order, payments: ReadonlyArray<PaymentProgress>): PlaceOrderAnswer => ({
  _tag: "Placed",
  response: { success: true, order, payment: paymentsOf(payments) }
})
const refusedAnswer = (error: ApiError): PlaceOrderAnswer => ({ _tag: "Refused", error })

const terminal = (state: CheckoutOutcome["state"], orderId?: Order["id"]): CheckoutOutcome => ({
  state,
  ...(orderId === undefined ? {} : { order_id: orderId })
})

const CartHold = Schema.Union([
  Schema.TaggedStruct("Held", {}),
  Schema.TaggedStruct("Limited", { error: RateLimited }),
  Schema.TaggedStruct("Busy", { order_id: Schema.optionalKey(Schema.String), payment: Schema.Array(Payment) })
])

/** Error details are sent as they are: amounts go out in major units, as everywhere on the wire. */
const encodePayments = Schema.encodeSync(Schema.Array(Payment))

const Awaiting = Schema.Struct({ window_ms: Schema.Finite })

const WaitOutcome = Schema.Union([Schema.TaggedStruct("Notice", { notice: PaymentNotice }), Schema.TaggedStruct("WindowEnded", {})])

/**
 * The checkout saga of DESIGN §6 as one workflow execution. Phase 1 places the order; without a
 * GATEWAY payment phase 2 follows at once, else the saga waits for the gateway's webhook within the
 * payment window. Before a payment has succeeded, any failure undoes what was done, last first;
 * once the stock is deducted it only goes forward. The answer for the client is written to the
 * registry as soon as there is one, and never changes after.
 */
export const checkoutSaga = (deps: CheckoutDeps) => {
  const steps = makeCheckoutSteps(deps)
  const { registry } = deps
  return (payload: CheckoutPayload, executionId: string): Durable<CheckoutOutcome> =>
    Effect.gen(function* () {
      const owner = fromOwnerRef(payload.owner)
      const cartKey = ownerKey(owner, payload.cart_type)
      const run: CheckoutRun = {
        executionId,
        requestId: payload.request_id,
        budgetMs: SAGA_TRY_BUDGET_MS,
        journal: (activity, tried) =>
          registry
            .recordSteps(
              executionId,
              tried.trace.map((t) => ({
                activity,
                step: t.step,
                outcome: t.outcome,
                attempts: t.attempts,
                started_at: tried.startedAt + t.start_ms,
                duration_ms: t.duration_ms,
                ...(t.error === undefined ? {} : { error: t.error })
              }))
            )
            .pipe(Effect.catch((error) => Effect.logWarning("checkout journal not written", { execution_id: executionId, error: error.message }))),
        payload,
        owner,
        steps,
        registry,
        compensations: makeCompensations(),
        keyFor: (step) => downstreamKey(owner, payload.client_key, step),
        paymentWindowMs: Duration.toMillis(yield* PaymentWindow),
        record: (name, update) =>
          bookkeeping(
            run,
            `registry.${name}`,
            Schema.Void,
            Effect.andThen(
              registry.update(executionId, update),
              update.state !== undefined && isTerminal(update.state)
                ? Effect.andThen(registry.releaseCart(cartKey, executionId), deps.limits.releasePending(ownerSubject(owner), executionId))
                : Effect.void
            )
          ),
        otpFailed: (name, walletId) =>
          bookkeeping(run, name, Schema.Void, deps.limits.recordFailures("wallet_otp_failures", walletSubject(owner.domainId, walletId), 1))
      }
      const publish = run.record

      const rollBack = (error: ApiError, answered: Placed | undefined, orderId: Order["id"] | undefined) =>
        Effect.gen(function* () {
          if (run.compensations.isEmpty) {
            yield* publish("rejected", { state: "REJECTED", answer: encodeAnswer(refusedAnswer(error)) })
            return terminal("REJECTED")
          }
          yield* publish("compensating", { state: "COMPENSATING" })
          yield* run.compensations.runAll(error.message)
          yield* publish("cancelled", { state: "CANCELLED", ...(answered === undefined ? { answer: encodeAnswer(refusedAnswer(error)) } : {}) })
          if (answered !== undefined) yield* announceCancellation(run, answered)
          yield* Effect.logWarning("checkout undone", { execution_id: executionId, order_id: orderId, reason: error.message })
          return terminal("CANCELLED", orderId)
        })

      /** Phase 2 (DESIGN §6): 8 deduct → confirm → ‖ 9 coupons, 10 cart, 11 cache → ‖ 12 notifications, 13 event, reward. */
      const complete = (placed: Placed, answered: boolean) =>
        Effect.gen(function* () {
          const gone = yield* deductStock(run, placed) // 8
          if (gone !== undefined) return yield* rollBack(new OutOfStock({ message: gone.message }), answered ? placed : undefined, placed.order.id)
          // The stock is gone from the shelf: from here on the saga only goes forward.
          const confirmed = yield* confirmOrder(run, placed)
          if (confirmed._tag === "Refused") {
            yield* Effect.logError("paid order could not be confirmed; needs an operator", {
              execution_id: executionId,
              order_id: placed.order.id,
              reason: confirmed.error.message
            })
          }
          const order = confirmed._tag === "Done" ? confirmed.value : placed.order
          yield* publish("confirmed", { state: "PAID", ...(answered ? {} : { answer: encodeAnswer(placedAnswer(order, placed.payments)) }) })
          yield* clearCart(run, placed) // 9, 10, 11
          yield* publish("completed", { state: "COMPLETED" })
          yield* announceOrder(run, placed) // 12, 13
          return terminal("COMPLETED", placed.order.id)
        })

      /** The gateway paid another amount than the order's: the order is held and an operator decides. */
      const holdForReview = (placed: Placed, gateway: PaymentProgress, notice: PaymentNotice) =>
        Effect.gen(function* () {
          yield* mustStep(run, "order.setPaymentStatus#hold", steps.setPaymentStatus(placed.order.id, "PENDING", "ON_HOLD"))
          yield* publish("held", { state: "HELD_FOR_REVIEW" })
          yield* Effect.logWarning("payment differs from the order's; order held for review", {
            execution_id: executionId,
            order_id: placed.order.id,
            expected: gateway.amount,
            received: notice.amount,
            currency: notice.currency
          })
          return terminal("HELD_FOR_REVIEW", placed.order.id)
        })

      // One checkout per cart at a time (DESIGN §6): another unfinished one answers CHECKOUT_PENDING.
      const hold = yield* bookkeeping(
        run,
        "registry.hold-cart",
        CartHold,
        Effect.gen(function* () {
          yield* registry.update(executionId, { state: "STARTED" })
          const claim = yield* registry.holdCart(cartKey, executionId)
          if (claim._tag === "Held") {
            // The owner's unfinished checkouts, across carts (DESIGN §3's abuse limit).
            const pending = yield* Effect.result(deps.limits.holdPending(ownerSubject(owner), executionId))
            if (Result.isSuccess(pending)) return { _tag: "Held" } as const
            yield* registry.releaseCart(cartKey, executionId)
            return { _tag: "Limited", error: pending.failure } as const
          }
          const answer = claim.holder.answer === undefined ? Option.none() : yield* Effect.option(decodeAnswer(claim.holder.answer))
          const placed = Option.isSome(answer) && answer.value._tag === "Placed" ? answer.value.response : undefined
          return {
            _tag: "Busy",
            ...(claim.holder.order_id === undefined ? {} : { order_id: claim.holder.order_id }),
            payment: placed?.payment ?? []
          } as const
        })
      )
      if (hold._tag === "Limited") return yield* rollBack(hold.error, undefined, undefined)
      if (hold._tag === "Busy") {
        return yield* rollBack(
          new CheckoutPending({
            message: "This cart has a checkout that has not finished; complete or abandon its payment first",
            details: { ...(hold.order_id === undefined ? {} : { order_id: hold.order_id }), payment: encodePayments(hold.payment) }
          }),
          undefined,
          undefined
        )
      }

      const placing = yield* Effect.result(phaseOne(run))
      if (Result.isFailure(placing)) return yield* rollBack(placing.failure, undefined, undefined)
      const placed = placing.success
      const order = { order_id: placed.order.id, order_number: placed.order.number }

      const gateway = placed.payments.find((p) => p.mode === "GATEWAY")
      if (gateway === undefined) return yield* complete(placed, false)

      const awaiting = yield* bookkeeping(
        run,
        "registry.awaiting-payment",
        Awaiting,
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          yield* registry.update(executionId, {
            state: "AWAITING_PAYMENT",
            ...order,
            answer: encodeAnswer(placedAnswer(placed.order, placed.payments)),
            gateway_order_ids: gateway.gateway_order_id === undefined ? [] : [gateway.gateway_order_id],
            payment_window_ends_at: now + run.paymentWindowMs
          })
          return { window_ms: run.paymentWindowMs }
        })
      )
      const waited = yield* DurableDeferred.raceAll({
        name: "payment-or-window",
        success: WaitOutcome,
        error: Schema.Never,
        effects: [
          Effect.map(DurableDeferred.await(PaymentConfirmation), (notice) => ({ _tag: "Notice", notice }) as const),
          Effect.as(
            DurableClock.sleep({ name: "payment-window", duration: Duration.millis(awaiting.window_ms), inMemoryThreshold: Duration.zero }),
            { _tag: "WindowEnded" } as const
          )
        ]
      })

      if (waited._tag === "Notice") {
        const { notice } = waited
        if (notice.gateway_order_id !== gateway.gateway_order_id || notice.amount !== gateway.amount || notice.currency !== placed.cart.currency) {
          return yield* holdForReview(placed, gateway, notice)
        }
        if (notice.status === "FAILED") {
          return yield* rollBack(new PaymentFailed({ message: "The payment failed at the gateway" }), placed, placed.order.id)
        }
        yield* publish("paid", { state: "PAID" })
        return yield* complete(placed, true)
      }
      // The window is over: the gateway's webhook may be late or lost, so ask it once before giving up.
      const status = gateway.payment_id === undefined ? undefined : yield* mustStep(run, "payment.status", steps.paymentStatus(gateway.payment_id))
      if (status?._tag === "Done" && status.value.status === "SUCCESS") {
        yield* publish("paid", { state: "PAID" })
        return yield* complete(placed, true)
      }
      return yield* rollBack(new PaymentFailed({ message: "The payment window ended without a payment" }), placed, placed.order.id)
    }).pipe(Effect.annotateLogs({ execution_id: executionId, request_id: payload.request_id }))
}
