import { Effect, Option } from "effect"
import type { Cart, LineItem, OperationResult } from "../domain/Cart.ts"
import { applyOperations, type IndexedOperation } from "../domain/CartLines.ts"
import { MAX_COUPONS } from "../domain/CartOptions.ts"
import type { ApiError, CartBusy } from "../domain/Errors.ts"
import { type CouponCode, ItemId } from "../domain/Ids.ts"
import { minor, sum } from "../domain/Money.ts"
import type { Owner } from "../domain/Owner.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import { optional } from "../runtime/StepRunner.ts"
import type { CartScope } from "./CartFlows.ts"
import { cartWriteRefusals, invalidatingOnFailure, productIdsOf, storeIdsOf, unique } from "./cartContext.ts"
import { type CatalogView, catalogView, checkOperations, requestedStock } from "./checkOperations.ts"
import type { MergedCoupon, MergedFromGuest, MergedLine } from "./mergedFromGuest.ts"
import type { Steps } from "./steps.ts"
import type { Warning } from "./warning.ts"

/** An ADD of a guest line, at the line's position in the guest cart. */
export type MergeOperation = IndexedOperation & { readonly op: "ADD" }

/** The fencing tokens of the two locks the merge holds; none under an in-process lock. */
export interface MergeFences {
  readonly customer: number | undefined
  readonly guest: number | undefined
}

/**
 * Runs `body` holding both carts' locks — always taken in the same order, whoever asks, so two
 * merges (or a merge and a mutation) never wait for each other in a cycle — or fails with
 * CART_BUSY when they cannot be had in time. The HTTP edge provides it (the cart lock with its
 * in-process fallback), as it does for every mutation.
 */
export type UnderBothLocks = <A, E, R>(
  carts: { readonly customer: CartScope; readonly guest: CartScope },
  body: (fences: MergeFences) => Effect.Effect<A, E, R>
) => Effect.Effect<A, E | CartBusy, R>

export interface GuestMergeInput {
  /** The signed-in customer the request acts for. */
  readonly customer: Owner
  /** The guest session the request also carries. */
  readonly guest: Owner
  readonly underBothLocks: UnderBothLocks
}

export interface MergePlan {
  /** What the cart service adds, in guest-line order: the whole line, or the part that fits. */
  readonly operations: ReadonlyArray<MergeOperation>
  /** One per guest line, in order; `item_id` is filled in from the merge's results. */
  readonly lines: ReadonlyArray<MergedLine>
}

/** Codes whose limit a smaller quantity may meet: the rest of the line can still be merged. */
const quantityBound = new Set<string>(["QUANTITY_LIMIT", "OUT_OF_STOCK"])

const addOf = (line: LineItem, index: number): MergeOperation => ({
  op: "ADD",
  product_id: line.product_id,
  ...(line.variant_id === undefined ? {} : { variant_id: line.variant_id }),
  ...(line.addons.length === 0 ? {} : { addons: line.addons.map((addon) => ({ addon_id: addon.addon_id })) }),
  quantity: line.quantity,
  index
})

const lineOf = (line: LineItem): Pick<MergedLine, "product_id" | "variant_id" | "addons" | "quantity_requested"> => ({
  product_id: line.product_id,
  ...(line.variant_id === undefined ? {} : { variant_id: line.variant_id }),
  addons: line.addons.map((addon) => ({ addon_id: addon.addon_id })),
  quantity_requested: line.quantity
})

/**
 * What of the guest's lines fits into the customer's cart (issue 15), line by line in the guest
 * cart's order, each on the cart the earlier ones leave. A line is an ADD of its quantity, judged
 * by the very checks a client's ADD gets (`checkOperations`: product and store, `max_per_order`
 * across the product's lines, stock across the product + variant, 99 on a line, 100 lines). A
 * line refused only for its quantity is merged in part: the largest quantity that passes (the
 * limits are upper bounds, so what passes shrinks with the quantity and a binary search finds
 * it). Nothing is lost: for every product, the merged cart's quantity plus what the plan reports
 * as not merged is the customer's plus the guest's.
 */
export const planGuestMerge = (
  customerItems: ReadonlyArray<LineItem>,
  guestItems: ReadonlyArray<LineItem>,
  view: CatalogView
): MergePlan => {
  let state = customerItems
  let previewSeq = 0
  const previewId = () => ItemId.make(`merge_preview_${++previewSeq}`)
  const passes = (op: MergeOperation) => checkOperations(state, [op], view).accepted.length === 1
  const operations: Array<MergeOperation> = []
  const lines: Array<MergedLine> = []
  guestItems.forEach((line, index) => {
    const whole = addOf(line, index)
    if (line.quantity < 1) {
      // A line of nothing (no cart service keeps one): nothing to add, nothing lost.
      lines.push({ ...lineOf(line), quantity_merged: 0, status: "MERGED" })
      return
    }
    const accept = (op: MergeOperation) => {
      operations.push(op)
      state = applyOperations(state, [op], previewId).items
    }
    const judged = checkOperations(state, [whole], view)
    if (judged.accepted.length === 1) {
      accept(whole)
      lines.push({ ...lineOf(line), quantity_merged: line.quantity, status: "MERGED" })
      return
    }
    const refusal = judged.rejected[0]
    let fits = 0
    if (refusal?.code !== undefined && quantityBound.has(refusal.code)) {
      let high = line.quantity - 1
      while (fits < high) {
        const middle = Math.ceil((fits + high) / 2)
        if (passes({ ...whole, quantity: middle })) fits = middle
        else high = middle - 1
      }
    }
    if (fits > 0) accept({ ...whole, quantity: fits })
    lines.push({
      ...lineOf(line),
      quantity_merged: fits,
      status: fits > 0 ? "PARTIAL" : "NOT_MERGED",
      ...(refusal?.code === undefined ? {} : { code: refusal.code }),
      ...(refusal?.error === undefined ? {} : { error: refusal.error }),
      ...(refusal?.quantity_available === undefined ? {} : { quantity_available: refusal.quantity_available })
    })
  })
  return { operations, lines }
}

/** The customer's line each merged guest line went into, from the merge's results (by operation index). */
const withItemIds = (lines: ReadonlyArray<MergedLine>, results: ReadonlyArray<OperationResult>): ReadonlyArray<MergedLine> => {
  const byIndex = new Map(results.map((result) => [result.index, result.item?.item_id ?? result.item_id]))
  return lines.map((line, index) => {
    const itemId = line.quantity_merged > 0 ? byIndex.get(index) : undefined
    return itemId === undefined ? line : { ...line, item_id: itemId }
  })
}

const lineWarning = (line: MergedLine): ReadonlyArray<Warning> =>
  line.status === "MERGED"
    ? []
    : [
        {
          code: line.status === "PARTIAL" ? "GUEST_LINE_PARTIALLY_MERGED" : "GUEST_LINE_NOT_MERGED",
          message: `${line.quantity_merged} of ${line.quantity_requested} × ${line.product_id} from the guest cart added${line.error === undefined ? "" : `: ${line.error}`}`
        }
      ]

/**
 * The guest's coupons the customer's cart keeps: those it does not already have, that still
 * validate for the customer (against both carts' last computed subtotals after discounts; the
 * cart service applies `min_subtotal` again when the cart is computed), within 5 coupons. When
 * the marketing service cannot say, they are kept unverified rather than lost: the next full read
 * re-validates every coupon and reports one that does not apply (COUPON_REMOVED).
 */
const keptCoupons = (steps: Steps, customer: Owner, cart: Cart, guestCart: Cart) =>
  Effect.gen(function* () {
    const chosen = new Set<string>((cart.coupons ?? []).map((coupon) => coupon.code))
    const offered = unique<CouponCode>((guestCart.coupons ?? []).map((coupon) => coupon.code)).filter((code) => !chosen.has(code))
    if (offered.length === 0) return { keep: [], report: [] }
    const subtotal = sum([cart.totals.subtotal, cart.totals.discount, guestCart.totals.subtotal, guestCart.totals.discount])
    const validated = yield* optional(
      Effect.map(steps.validateCoupons(offered, customer, minor(Math.max(0, subtotal))), (answer) => answer.coupons),
      { code: "GUEST_COUPONS_UNVERIFIED", message: "The guest's coupons were kept without validation" }
    )
    const room = Math.max(0, MAX_COUPONS - chosen.size)
    const keep: Array<CouponCode> = []
    const report = offered.map((code): MergedCoupon => {
      const verdict = Option.map(validated, (results) => results.find((result) => result.code === code))
      const valid = Option.match(verdict, { onNone: () => true, onSome: (result) => result?.valid === true })
      if (!valid) {
        const reason = Option.getOrUndefined(verdict)?.reason ?? "INVALID"
        return { code, status: "DROPPED", reason }
      }
      if (keep.length >= room) return { code, status: "DROPPED", reason: "TOO_MANY_COUPONS" }
      keep.push(code)
      return Option.isNone(validated) ? { code, status: "KEPT", reason: "UNVERIFIED" } : { code, status: "KEPT" }
    })
    return { keep, report }
  })

/**
 * Guest cart merge on sign-in (DESIGN §3, issue 15), before the request's own flow:
 * 1 the guest's "nothing to merge" mark (cache; set: done, no downstream call) → under both carts'
 * locks: 2 guest cart find (none, or no lines: 11 mark, done) → 3 customer cart find-or-create →
 * ‖ 4 products search, 5 inventory check, 6 store status → 7 coupons validate (the guest's, not
 * already the customer's) → 8 cart merge (one keyed, fenced write: the lines that fit added, the
 * coupons kept, the guest cart deleted) → ‖ 9 cache set (the customer's cart, not computed),
 * 10 cache delete (the guest's), 11 mark. Optional: 1 (a miss), 7 (kept unverified), 9, 10, 11.
 * Answers what was merged, or none when there was nothing to merge.
 */
export const mergeGuestCart =
  (steps: Steps) =>
  (input: GuestMergeInput): Effect.Effect<Option.Option<MergedFromGuest>, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const { customer, guest } = input
      if (yield* steps.guestSettled(guest)) return Option.none() // 1
      // The merge's degraded steps are the request's warnings, and the merge's own too.
      const context = yield* RequestContext
      const warningsBefore = context.warnings.length
      const customerScope: CartScope = { owner: customer, cartType: "DEFAULT" }
      const guestScope: CartScope = { owner: guest, cartType: "DEFAULT" }
      return yield* input.underBothLocks({ customer: customerScope, guest: guestScope }, (fences) =>
        Effect.gen(function* () {
          const found = yield* steps.findCart(guestScope) // 2
          if (Option.isNone(found) || found.value.items.length === 0) {
            yield* steps.settleGuest(guest) // 11
            return Option.none()
          }
          const guestCart = found.value
          const cart = yield* steps.findOrCreateCart(customerScope) // 3

          const wanted = guestCart.items.map(addOf)
          const productIds = productIdsOf(cart.items, wanted)
          const products = yield* Effect.cached(Effect.map(steps.searchProducts(productIds), (r) => r.products))
          const gathered = yield* Effect.all(
            {
              products, // 4
              availability: steps.checkAvailability(requestedStock(cart.items, wanted)), // 5
              statuses: Effect.flatMap(storeIdsOf([...cart.items, ...guestCart.items], productIds, products), (stores) =>
                steps.storeStatuses(customer.domainId, stores)
              ) // 6
            },
            { concurrency: "unbounded" }
          )
          const plan = planGuestMerge(cart.items, guestCart.items, catalogView(gathered.products, gathered.availability.items, gathered.statuses))
          const coupons = yield* keptCoupons(steps, customer, cart, guestCart) // 7

          const merged = yield* steps
            .mergeCarts({
              customer,
              guest,
              cartId: cart.cart_id,
              guestCartId: guestCart.cart_id,
              operations: plan.operations,
              coupons: coupons.keep.map((code) => ({ code })),
              fences
            }) // 8
            .pipe(invalidatingOnFailure(steps, cart))
          yield* Effect.all(
            [
              steps.cacheSet(customer, "DEFAULT", merged.cart), // 9
              steps.cacheDelete(guest, "DEFAULT", guestCart.cart_id), // 10
              steps.settleGuest(guest) // 11
            ],
            { concurrency: "unbounded", discard: true }
          )
          const lines = withItemIds(plan.lines, merged.results)
          const couponWarnings = coupons.report.flatMap((coupon): ReadonlyArray<Warning> =>
            coupon.status === "DROPPED"
              ? [{ code: "GUEST_COUPON_DROPPED", message: `Coupon ${coupon.code} from the guest cart was not kept (${coupon.reason ?? "INVALID"})` }]
              : []
          )
          return Option.some<MergedFromGuest>({
            guest_cart_id: guestCart.cart_id,
            lines,
            coupons: coupons.report,
            warnings: [...lines.flatMap(lineWarning), ...couponWarnings, ...context.warnings.slice(warningsBefore)]
          })
        })
      )
    }).pipe(cartWriteRefusals)
