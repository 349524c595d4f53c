import type { LineItem, OperationResult } from "./Cart.ts"
import type { AddonId, ItemId } from "./Ids.ts"
import { settledLine } from "./LinePrice.ts"
import { MAX_LINES, MAX_QUANTITY, type Operation, type OperationErrorCode } from "./Operation.ts"

/**
 * How operations change a cart's lines (DESIGN §3), as a pure function: the cart service applies
 * it, and the orchestrator previews it to validate stock and limits on the resulting quantities.
 */
export type IndexedOperation = Operation & { readonly index: number }

export interface Applied {
  readonly items: ReadonlyArray<LineItem>
  readonly results: ReadonlyArray<OperationResult>
  readonly changed: boolean
}

/** A line is identified by product, variant and the set of addons (order does not matter). */
export const lineKey = (productId: string, variantId: string | undefined, addonIds: ReadonlyArray<string>): string =>
  `${productId}|${variantId ?? ""}|${[...addonIds].sort().join(",")}`

export const keyOfLine = (line: LineItem): string =>
  lineKey(
    line.product_id,
    line.variant_id,
    line.addons.map((a) => a.addon_id)
  )

const failed = (op: IndexedOperation, code: OperationErrorCode, error: string, itemId?: ItemId): OperationResult => ({
  index: op.index,
  operation: op.op,
  status: "FAILED",
  code,
  error,
  ...(itemId === undefined ? {} : { item_id: itemId })
})

export const applyOperations = (
  start: ReadonlyArray<LineItem>,
  operations: ReadonlyArray<IndexedOperation>,
  newItemId: () => ItemId
): Applied => {
  const items = [...start]
  const results: Array<OperationResult> = []
  let changed = false
  const indexOfKey = (key: string) => items.findIndex((line) => keyOfLine(line) === key)
  const indexOfId = (id: string) => items.findIndex((line) => line.item_id === id)

  const setQuantity = (op: IndexedOperation, at: number, quantity: number): OperationResult => {
    const line = items[at]!
    changed = true
    if (quantity === 0) {
      items.splice(at, 1)
      return { index: op.index, operation: op.op, status: "SUCCESS", action_taken: "REMOVED", item_id: line.item_id }
    }
    const updated = settledLine({ ...line, quantity })
    items[at] = updated
    return { index: op.index, operation: op.op, status: "SUCCESS", action_taken: "UPDATED", item_id: line.item_id, item: updated }
  }

  for (const op of operations) {
    switch (op.op) {
      case "SET":
      case "ADD": {
        const addons = op.addons ?? []
        const at = indexOfKey(lineKey(op.product_id, op.variant_id, addons.map((a) => a.addon_id)))
        if (at >= 0) {
          const quantity = op.op === "SET" ? op.quantity : items[at]!.quantity + op.quantity
          if (quantity > MAX_QUANTITY) {
            results.push(failed(op, "QUANTITY_LIMIT", `At most ${MAX_QUANTITY} of one line`, items[at]!.item_id))
          } else {
            results.push(setQuantity(op, at, quantity))
          }
          break
        }
        if (op.quantity === 0) {
          // SET 0 on a line that does not exist already has the effect asked for.
          results.push({ index: op.index, operation: op.op, status: "SUCCESS", action_taken: "REMOVED" })
          break
        }
        if (items.length >= MAX_LINES) {
          results.push(failed(op, "CART_FULL", `A cart holds at most ${MAX_LINES} lines`))
          break
        }
        const line: LineItem = {
          item_id: newItemId(),
          product_id: op.product_id,
          ...(op.variant_id === undefined ? {} : { variant_id: op.variant_id }),
          addons: addons.map((a): { addon_id: AddonId } => ({ addon_id: a.addon_id })),
          quantity: op.quantity
        }
        items.push(line)
        changed = true
        results.push({ index: op.index, operation: op.op, status: "SUCCESS", action_taken: "ADDED", item_id: line.item_id, item: line })
        break
      }
      case "UPDATE":
      case "DELETE": {
        const at = indexOfId(op.item_id)
        if (at < 0) {
          results.push(failed(op, "ITEM_NOT_FOUND", "Item not found", op.item_id))
          break
        }
        results.push(setQuantity(op, at, op.op === "DELETE" ? 0 : op.quantity))
        break
      }
    }
  }
  return { items, results, changed }
}
