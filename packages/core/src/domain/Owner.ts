import { Schema } from "effect"
import { CustomerId, DomainId, SessionId } from "./Ids.ts"

export const CartType = Schema.Literals(["DEFAULT", "BUY_NOW"])
export type CartType = typeof CartType.Type

/**
 * Who a cart belongs to. The gateway names a signed-in customer or a guest session; with both,
 * the customer wins, so a guest who signs in keeps one cart identity per request.
 */
export type Owner =
  | { readonly _tag: "Customer"; readonly domainId: DomainId; readonly customerId: CustomerId }
  | { readonly _tag: "Session"; readonly domainId: DomainId; readonly sessionId: SessionId }

export const ownerId = (owner: Owner): string => (owner._tag === "Customer" ? owner.customerId : owner.sessionId)

/** Stable key of an owner's cart of one type: used for locks, the owner index and idempotency scopes. */
export const ownerKey = (owner: Owner, cartType: CartType): string =>
  `${owner.domainId}:${owner._tag === "Customer" ? "c" : "s"}:${ownerId(owner)}:${cartType}`

/** The wire form downstream services take: `customer_id` or `session_id`, never both. */
export const OwnerRef = Schema.Struct({
  domain_id: DomainId,
  customer_id: Schema.optionalKey(CustomerId),
  session_id: Schema.optionalKey(SessionId)
})
export type OwnerRef = typeof OwnerRef.Type

export const toOwnerRef = (owner: Owner): OwnerRef =>
  owner._tag === "Customer"
    ? { domain_id: owner.domainId, customer_id: owner.customerId }
    : { domain_id: owner.domainId, session_id: owner.sessionId }

/** The owner back from its wire form; a customer id wins, as with the identity headers. */
export const fromOwnerRef = (ref: OwnerRef): Owner =>
  ref.customer_id !== undefined
    ? { _tag: "Customer", domainId: ref.domain_id, customerId: ref.customer_id }
    : { _tag: "Session", domainId: ref.domain_id, sessionId: ref.session_id ?? SessionId.make("unknown") }
