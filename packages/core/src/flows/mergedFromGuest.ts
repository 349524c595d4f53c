import { Schema } from "effect"
import { AddonRef, OperationErrorCode } from "../domain/Operation.ts"
import { CartId, CouponCode, ItemId, ProductId, VariantId } from "../domain/Ids.ts"
import { Warning } from "./warning.ts"

/**
 * What became of one line of the guest's cart when it was merged into the customer's (issue 15):
 * all of it (`MERGED`), part of it (`PARTIAL`: the sum would have passed `max_per_order`, the
 * stock or 99 on a line) or none (`NOT_MERGED`). What was not merged is reported with the
 * per-operation code an ADD of it gets, never silently dropped.
 */
export const MergedLine = Schema.Struct({
  product_id: ProductId,
  variant_id: Schema.optionalKey(VariantId),
  addons: Schema.Array(AddonRef),
  /** The quantity in the guest's cart. */
  quantity_requested: Schema.Int,
  /** What was added to the customer's cart: the rest did not fit. */
  quantity_merged: Schema.Int,
  status: Schema.Literals(["MERGED", "PARTIAL", "NOT_MERGED"]),
  /** The customer's line it went into. */
  item_id: Schema.optionalKey(ItemId),
  code: Schema.optionalKey(OperationErrorCode),
  error: Schema.optionalKey(Schema.String),
  quantity_available: Schema.optionalKey(Schema.Int)
})
export type MergedLine = typeof MergedLine.Type

/** A coupon the guest had chosen: kept on the customer's cart, or not (why in `reason`). */
export const MergedCoupon = Schema.Struct({
  code: CouponCode,
  status: Schema.Literals(["KEPT", "DROPPED"]),
  reason: Schema.optionalKey(Schema.String)
})
export type MergedCoupon = typeof MergedCoupon.Type

/**
 * On the answer of the request that merged a guest's cart into the signed-in customer's (DESIGN
 * §3, "Guest cart merge on sign-in"); absent on every other answer.
 */
export const MergedFromGuest = Schema.Struct({
  /** The guest cart, deleted by the merge. */
  guest_cart_id: CartId,
  lines: Schema.Array(MergedLine),
  coupons: Schema.Array(MergedCoupon),
  /** One per line or coupon not wholly carried over, and any degraded step of the merge. */
  warnings: Schema.Array(Warning)
}).annotate({
  description:
    "Present only on the answer of the request that merged the guest's cart (x-session-id) into the signed-in customer's: each guest line with what was merged, what did not fit and why; the guest's coupons kept or dropped. The customer's options win."
})
export type MergedFromGuest = typeof MergedFromGuest.Type

/** The field every cart answer may carry. */
export const mergedFromGuestField = { merged_from_guest: Schema.optionalKey(MergedFromGuest) }
