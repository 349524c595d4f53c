import { Clock, Deferred, Effect, Option } from "effect"
import type { WorkflowEngine } from "effect/workflow"
import { type ApiError, DownstreamUnavailable, IdempotencyInProgress, IdempotencyKeyReused } from "../domain/Errors.ts"
import { keyScope, REPLAYED_HEADER } from "../domain/IdempotencyKey.ts"
import { ownerKey, toOwnerRef } from "../domain/Owner.ts"
import type { CartScope } from "../flows/CartFlows.ts"
import { type AbuseLimits, ownerSubject, walletSubject } from "../limits/AbuseLimits.ts"
import { RequestContext, type StepRecord } from "../runtime/RequestContext.ts"
import { type CheckoutRegistryShape, type CheckoutStep, isTerminal } from "../stores/CheckoutRegistry.ts"
import { type CheckoutAdmissionShape, OVERLOADED_RETRY_AFTER_S, startAdmitted } from "./CheckoutAdmission.ts"
import { CheckoutWorkflow } from "./CheckoutWorkflow.ts"
import { decodeAnswer } from "./PlaceOrderAnswer.ts"
import type { PlaceOrderRequest } from "./PlaceOrderRequest.ts"
import type { PlaceOrderResponse } from "./PlaceOrderResponse.ts"

/** A checkout still running is asked about again after this long: phase 1 takes about a second. */
export const IN_PROGRESS_RETRY_AFTER_S = 1

export interface PlaceOrderInput extends CartScope {
  readonly request: PlaceOrderRequest
  readonly idempotencyKey: string
  /** Digest of the request (method, path, query, body): the key's other uses must match it. */
  readonly fingerprint: string
}

const traceRecordOf = (step: CheckoutStep, requestStartedAt: number): StepRecord => ({
  step: step.step,
  service: step.step.split(".")[0] ?? step.step,
  start_ms: step.started_at - requestStartedAt,
  duration_ms: step.duration_ms,
  attempts: step.attempts,
  outcome: step.outcome === "ok" ? "ok" : step.outcome === "degraded" ? "degraded" : "failed",
  critical: true,
  ...(step.error === undefined ? {} : { error: step.error })
})

const engineUnavailable = (cause: unknown) =>
  new DownstreamUnavailable({
    service: "checkout-engine",
    message: `The checkout could not be started: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/**
 * POST /cart/place-order (DESIGN §6): starts the checkout workflow for (owner, Idempotency-Key),
 * or finds the one already started, and waits for its answer until the request's deadline. The
 * request never runs the saga itself: a disconnect, a timeout or a crash here leaves it running,
 * and a retry with the same key gets the same answer (`idempotent-replayed: true`), or 409
 * IDEMPOTENCY_IN_PROGRESS with `Retry-After` while there is none yet.
 */
/**
 * The wallet OTP limit (DESIGN §3), asked before a new checkout is started: a wallet whose OTP
 * failed too often is not tried again, and nothing is taken or kept for the key.
 */
const walletsAllowed = (limits: AbuseLimits["Service"], input: PlaceOrderInput) =>
  Effect.forEach(
    input.request.payment_instruction.flatMap((i) =>
      i.payment_mode === "WALLET" && i.meta?.wallet_id !== undefined ? [i.meta.wallet_id] : []
    ),
    (walletId) => limits.check("wallet_otp_failures", walletSubject(input.owner.domainId, walletId)),
    { discard: true }
  )

export const startCheckout =
  (registry: CheckoutRegistryShape, limits: AbuseLimits["Service"], admission: CheckoutAdmissionShape) =>
  (input: PlaceOrderInput): Effect.Effect<PlaceOrderResponse, ApiError, RequestContext | WorkflowEngine.WorkflowEngine> =>
    Effect.gen(function* () {
      const context = yield* RequestContext
      const scope = keyScope(input.owner)
      const payload = {
        scope,
        client_key: input.idempotencyKey,
        owner: toOwnerRef(input.owner),
        cart_type: input.cartType,
        request: input.request,
        request_id: context.requestId
      }
      const executionId = yield* CheckoutWorkflow.executionId(payload)
      // Takes the key (or finds who has it) and starts its execution. Starting an execution that
      // exists is a no-op, so a retry also starts one whose first request died between taking the
      // key and starting it.
      const start = Effect.gen(function* () {
        const claim = yield* registry.claim({
          executionId,
          scope,
          clientKey: input.idempotencyKey,
          fingerprint: input.fingerprint,
          cartKey: ownerKey(input.owner, input.cartType)
        })
        if (claim._tag === "Mismatch") {
          return yield* new IdempotencyKeyReused({ message: "This Idempotency-Key was used for a different request" })
        }
        yield* CheckoutWorkflow.execute(payload, { discard: true }).pipe(Effect.catchDefect((cause) => Effect.fail(engineUnavailable(cause))))
        return claim
      })
      const firstAnswer = (until: number) => registry.awaitRecord(executionId, until, (record) => record.answer !== undefined)
      // A key already taken gets its checkout's answer; only a new checkout counts as an attempt, is
      // held to the limits (DESIGN §3) and needs a place among the checkouts starting here (checkout
      // admission, DESIGN §3 Overload), so a client asking again is never refused for it. Past the
      // checkout limit the key is not even claimed: nothing is started or written.
      const isNew = Option.isNone(yield* registry.get(executionId))
      const { claim, answered } = isNew
        ? yield* startAdmitted(
            admission,
            Effect.gen(function* () {
              yield* limits.attempt("place_order_attempts", ownerSubject(input.owner))
              yield* walletsAllowed(limits, input)
              return yield* start
            }),
            (claim) => claim._tag === "Claimed",
            (until) => registry.awaitRecord(executionId, until, (record) => record.answer !== undefined || isTerminal(record.state))
          ).pipe(
            Effect.tapErrorTag("OVERLOADED", () =>
              Effect.sync(() => {
                context.responseHeaders["retry-after"] = String(OVERLOADED_RETRY_AFTER_S)
              })
            ),
            Effect.map(({ value, firstAnswer }) => ({ claim: value, answered: firstAnswer }))
          )
        : { claim: yield* start, answered: undefined }
      // A checkout this request started is watched for its first answer already: wait for that.
      const record =
        answered === undefined
          ? yield* firstAnswer(context.deadlineAt)
          : Option.flatten(
              yield* Effect.timeoutOption(
                Deferred.await(answered),
                Math.max(0, context.deadlineAt - (yield* Clock.currentTimeMillis))
              )
            )
      const answer = Option.flatMap(record, (r) => Option.fromNullishOr(r.answer))
      if (Option.isNone(answer)) {
        context.responseHeaders["retry-after"] = String(IN_PROGRESS_RETRY_AFTER_S)
        return yield* new IdempotencyInProgress({
          message: "The checkout under this Idempotency-Key is still running; ask again with the same key",
          details: { retry_after_s: IN_PROGRESS_RETRY_AFTER_S }
        })
      }
      if (claim._tag === "Existing") context.responseHeaders[REPLAYED_HEADER] = "true"
      // The steps the workflow ran for this request, into its trace (the CLI timeline, x-debug-trace).
      else context.trace.push(...(yield* registry.steps(executionId)).map((step) => traceRecordOf(step, context.startedAt)))
      const decoded = yield* Effect.orDie(decodeAnswer(answer.value))
      return decoded._tag === "Placed" ? decoded.response : yield* Effect.fail(decoded.error)
    }).pipe(
      Effect.catchTag("StoreUnavailable", (error) =>
        Effect.fail(new DownstreamUnavailable({ service: "checkout-registry", message: error.message }))
      )
    )
