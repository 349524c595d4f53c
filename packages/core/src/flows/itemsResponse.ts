import { Effect } from "effect"
import type { Cart, LineItem, OperationResult } from "../domain/Cart.ts"
import { settledLine } from "../domain/LinePrice.ts"
import type { CartType } from "../domain/Owner.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import type { ItemsResponse } from "./responses.ts"

/**
 * The results of a request's operations: the cart service's for those in the batch, the
 * orchestrator's refusals for the rest. A keyed batch retried after a failure is answered with the
 * first attempt's results (issue 14), which win over this attempt's checks of the same operation.
 */
export const batchFirst = (refused: ReadonlyArray<OperationResult>, applied: ReadonlyArray<OperationResult>) => {
  const answered = new Set(applied.map((result) => result.index))
  return [...refused.filter((result) => !answered.has(result.index)), ...applied]
}

/**
 * A result as the answer shows it: the line's id at the top level whenever the result names a line
 * (the seed's `item_id`, beside `item`), and the line's total agreeing with its quantity.
 */
const shownResult = (lines: ReadonlyMap<string, LineItem>) => (result: OperationResult): OperationResult => {
  if (result.item === undefined) return result
  // The line as the answered cart holds it (priced, when the flow computed), not as the batch stored it.
  const line = lines.get(result.item.item_id) ?? result.item
  return { ...result, item_id: line.item_id, item: settledLine(line) }
}

/**
 * The answer of the items and buy-now flows: results in request order, whatever refused them. The
 * cart is the computed one or the batch's, settled as it came in (`steps.applyBatch`): every line
 * shown has `line_total = (unit_price + addons) × quantity`.
 */
export const itemsResponse = (cartType: CartType, results: ReadonlyArray<OperationResult>, cart: Cart) =>
  Effect.map(
    RequestContext,
    (context): ItemsResponse => {
      const lines = new Map(cart.items.map((line) => [line.item_id as string, line]))
      const ordered = [...results].sort((a, b) => a.index - b.index).map(shownResult(lines))
      return {
        success: true,
        cart_type: cartType,
        operations_applied: ordered.filter((r) => r.status === "SUCCESS").length,
        results: ordered,
        cart,
        coupon_applied: cart.coupons_applied,
        warnings: [...context.warnings]
      }
    }
  )
