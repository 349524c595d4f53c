import { Schema } from "effect"

/**
 * The public errors of DESIGN §3. The tag IS the wire `code`, and each class carries its HTTP
 * status, so the error body and the status can never disagree.
 */
const fields = {
  message: Schema.String,
  details: Schema.optionalKey(Schema.Unknown)
}
const downstreamFields = { ...fields, service: Schema.String }

export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("INVALID_REQUEST", fields, { httpApiStatus: 400 }) {}
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("UNAUTHENTICATED", fields, { httpApiStatus: 401 }) {}
export class CartNotFound extends Schema.TaggedError<CartNotFound>()("CART_NOT_FOUND", fields, { httpApiStatus: 404 }) {}
/** A payment webhook for a gateway order no checkout knows (yet): the gateway should retry. */
export class OrderNotFound extends Schema.TaggedError<OrderNotFound>()("ORDER_NOT_FOUND", fields, { httpApiStatus: 404 }) {}
export class CartBusy extends Schema.TaggedError<CartBusy>()("CART_BUSY", fields, { httpApiStatus: 409 }) {}
export class PriceChanged extends Schema.TaggedError<PriceChanged>()("PRICE_CHANGED", fields, { httpApiStatus: 409 }) {}
export class OutOfStock extends Schema.TaggedError<OutOfStock>()("OUT_OF_STOCK", fields, { httpApiStatus: 409 }) {}
export class CouponInvalid extends Schema.TaggedError<CouponInvalid>()("COUPON_INVALID", fields, { httpApiStatus: 409 }) {}
export class CartChanged extends Schema.TaggedError<CartChanged>()("CART_CHANGED", fields, { httpApiStatus: 409 }) {}
/** Another checkout of the same cart has not finished (most often: it waits for its payment); a place-order with a new key gets this (DESIGN §6). */
export class CheckoutPending extends Schema.TaggedError<CheckoutPending>()("CHECKOUT_PENDING", fields, { httpApiStatus: 409 }) {}
export class IdempotencyInProgress extends Schema.TaggedError<IdempotencyInProgress>()("IDEMPOTENCY_IN_PROGRESS", fields, { httpApiStatus: 409 }) {}
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PAYLOAD_TOO_LARGE", fields, { httpApiStatus: 413 }) {}
export class CartEmpty extends Schema.TaggedError<CartEmpty>()("CART_EMPTY", fields, { httpApiStatus: 422 }) {}
export class AmountMismatch extends Schema.TaggedError<AmountMismatch>()("AMOUNT_MISMATCH", fields, { httpApiStatus: 422 }) {}
export class StoreOffline extends Schema.TaggedError<StoreOffline>()("STORE_OFFLINE", fields, { httpApiStatus: 422 }) {}
export class PaymentFailed extends Schema.TaggedError<PaymentFailed>()("PAYMENT_FAILED", fields, { httpApiStatus: 422 }) {}
export class FulfilmentRequired extends Schema.TaggedError<FulfilmentRequired>()("FULFILMENT_REQUIRED", fields, { httpApiStatus: 422 }) {}
export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IDEMPOTENCY_KEY_REUSED", fields, { httpApiStatus: 422 }) {}
/** An abuse limit of the owner was reached (DESIGN §3); `details.limit` names it, `details.retry_after_s` and `Retry-After` say when to try again. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RATE_LIMITED", fields, { httpApiStatus: 429 }) {}
export class DownstreamError extends Schema.TaggedError<DownstreamError>()("DOWNSTREAM_ERROR", downstreamFields, { httpApiStatus: 502 }) {}
export class DownstreamUnavailable extends Schema.TaggedError<DownstreamUnavailable>()("DOWNSTREAM_UNAVAILABLE", downstreamFields, { httpApiStatus: 503 }) {}
/** Past the capacity the server can serve within deadlines: refused fast, with `Retry-After`. */
export class Overloaded extends Schema.TaggedError<Overloaded>()("OVERLOADED", fields, { httpApiStatus: 503 }) {}
export class DownstreamTimeout extends Schema.TaggedError<DownstreamTimeout>()("DOWNSTREAM_TIMEOUT", downstreamFields, { httpApiStatus: 504 }) {}
export class DeadlineExceeded extends Schema.TaggedError<DeadlineExceeded>()("DEADLINE_EXCEEDED", downstreamFields, { httpApiStatus: 504 }) {}

export const ApiErrors = [
  InvalidRequest,
  Unauthenticated,
  CartNotFound,
  OrderNotFound,
  CartBusy,
  PriceChanged,
  OutOfStock,
  CouponInvalid,
  CartChanged,
  CheckoutPending,
  IdempotencyInProgress,
  PayloadTooLarge,
  CartEmpty,
  AmountMismatch,
  StoreOffline,
  PaymentFailed,
  FulfilmentRequired,
  IdempotencyKeyReused,
  RateLimited,
  DownstreamError,
  DownstreamUnavailable,
  Overloaded,
  DownstreamTimeout,
  DeadlineExceeded
] as const

export type ApiError = InstanceType<(typeof ApiErrors)[number]>
