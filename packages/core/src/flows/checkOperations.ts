import type { LineItem, OperationResult } from "../domain/Cart.ts"
import { applyOperations, type IndexedOperation, keyOfLine, lineKey } from "../domain/CartLines.ts"
import { CartChanged, StoreOffline } from "../domain/Errors.ts"
import { ItemId, type ProductId } from "../domain/Ids.ts"
import { MAX_LINES, MAX_QUANTITY, type OperationErrorCode } from "../domain/Operation.ts"
import type { Availability, StockLine } from "../services/Inventory.ts"
import type { Product } from "../services/Product.ts"
import type { StoreStatus } from "../services/SellerAdmin.ts"

/** What the items flow learnt in its parallel group, indexed for the checks. */
export interface CatalogView {
  readonly product: (productId: string) => Product | undefined
  readonly available: (productId: string, variantId: string | undefined) => number | undefined
  readonly store: (storeId: string) => StoreStatus | undefined
}

export const catalogView = (
  products: ReadonlyArray<Product>,
  availability: ReadonlyArray<Availability>,
  stores: ReadonlyArray<StoreStatus>
): CatalogView => {
  const byProduct = new Map(products.map((p) => [p.product_id as string, p]))
  const stock = new Map(availability.map((a) => [`${a.product_id}|${a.variant_id ?? ""}`, a.quantity_available]))
  const byStore = new Map(stores.map((s) => [s.store_id as string, s]))
  return {
    product: (id) => byProduct.get(id),
    available: (productId, variantId) => stock.get(`${productId}|${variantId ?? ""}`),
    store: (id) => byStore.get(id)
  }
}

export interface Checked {
  /** Operations that passed, in request order: the batch the cart service applies. */
  readonly accepted: ReadonlyArray<IndexedOperation>
  /** Operations refused before reaching the cart service, with their codes. */
  readonly rejected: ReadonlyArray<OperationResult>
}

const refuse = (
  op: IndexedOperation,
  code: OperationErrorCode,
  error: string,
  extra: Partial<OperationResult> = {}
): OperationResult => ({ index: op.index, operation: op.op, status: "FAILED", code, error, ...extra })

/** Why a product line cannot be bought as asked, before quantities are considered. */
const productProblem = (
  op: { readonly product_id: string; readonly variant_id?: string; readonly addonIds: ReadonlyArray<string> },
  view: CatalogView
): { code: OperationErrorCode; error: string } | undefined => {
  const product = view.product(op.product_id)
  if (product === undefined) return { code: "PRODUCT_NOT_FOUND", error: `Product ${op.product_id} not found` }
  if (product.status !== "ACTIVE") return { code: "PRODUCT_INACTIVE", error: `Product ${op.product_id} is not for sale` }
  const variants = product.variants ?? []
  if (op.variant_id === undefined && variants.length > 0) {
    return { code: "VARIANT_REQUIRED", error: `Product ${op.product_id} needs a variant_id` }
  }
  if (op.variant_id !== undefined && !variants.some((v) => v.variant_id === op.variant_id)) {
    return { code: "VARIANT_NOT_FOUND", error: `Variant ${op.variant_id} not found for ${op.product_id}` }
  }
  const missing = op.addonIds.find((id) => !(product.addons ?? []).some((a) => a.addon_id === id))
  if (missing !== undefined) return { code: "ADDON_NOT_FOUND", error: `Addon ${missing} not found for ${op.product_id}` }
  const store = view.store(product.store_id)
  if (store === undefined || !store.active || !store.online) {
    return { code: "STORE_OFFLINE", error: `Store ${product.store_id} is not taking orders` }
  }
  return undefined
}

/** Limits hold per product (max_per_order) and per product + variant (stock), across lines. */
const quantityProblem = (
  line: LineItem,
  items: ReadonlyArray<LineItem>,
  view: CatalogView
): { code: OperationErrorCode; error: string; quantity_available?: number } | undefined => {
  const ofProduct = items.filter((l) => l.product_id === line.product_id)
  const limit = view.product(line.product_id)?.max_per_order
  if (limit !== undefined && ofProduct.reduce((n, l) => n + l.quantity, 0) > limit) {
    return { code: "QUANTITY_LIMIT", error: `At most ${limit} of ${line.product_id} per order` }
  }
  const wanted = ofProduct.filter((l) => l.variant_id === line.variant_id).reduce((n, l) => n + l.quantity, 0)
  const available = view.available(line.product_id, line.variant_id)
  if (available !== undefined && wanted > available) {
    return { code: "OUT_OF_STOCK", error: `Only ${available} of ${line.product_id} available`, quantity_available: available }
  }
  return undefined
}

/**
 * Checks each operation in request order against current products, stock and stores, on the
 * cart as the earlier accepted operations leave it (an ADD after a SET adds to the SET's
 * quantity). A refused operation changes nothing; the others go on (partial success).
 */
export const checkOperations = (
  items: ReadonlyArray<LineItem>,
  operations: ReadonlyArray<IndexedOperation>,
  view: CatalogView
): Checked => {
  let state = items
  const accepted: Array<IndexedOperation> = []
  const rejected: Array<OperationResult> = []
  let previewSeq = 0
  for (const op of operations) {
    // A refusal of an operation on a line the cart already has names it, as the seed's results do.
    const existing = touchedLine(op, items)
    const naming: Partial<OperationResult> = existing === undefined ? {} : { item_id: existing.item_id }
    if (op.op === "SET" || op.op === "ADD") {
      const problem = productProblem(
        { product_id: op.product_id, ...(op.variant_id === undefined ? {} : { variant_id: op.variant_id }), addonIds: (op.addons ?? []).map((a) => a.addon_id) },
        view
      )
      if (problem !== undefined) {
        rejected.push(refuse(op, problem.code, problem.error, naming))
        continue
      }
    }
    const next = applyOperations(state, [op], () => ItemId.make(`preview_${++previewSeq}`))
    // What the cart service itself would refuse (a 101st line, more than 99 on a line, an unknown item): refused here, alike.
    const previewed = next.results[0]
    if (previewed !== undefined && previewed.status === "FAILED") {
      rejected.push(previewed)
      continue
    }
    const touched = touchedLine(op, next.items)
    const quantity = touched === undefined ? undefined : quantityProblem(touched, next.items, view)
    if (op.op === "UPDATE" && touched !== undefined) {
      const store = view.store(view.product(touched.product_id)?.store_id ?? "")
      if (store !== undefined && (!store.active || !store.online)) {
        rejected.push(refuse(op, "STORE_OFFLINE", `Store ${store.store_id} is not taking orders`, { item_id: op.item_id }))
        continue
      }
    }
    if (quantity !== undefined) {
      const { code, error, ...extra } = quantity
      rejected.push(refuse(op, code, error, { ...naming, ...extra }))
      continue
    }
    state = next.items
    accepted.push(op)
  }
  return { accepted, rejected }
}

/** A cart line that breaks a limit of DESIGN §3, with the per-operation code an operation breaking it gets. */
export interface LineViolation {
  readonly item_id: ItemId
  readonly product_id: ProductId
  readonly code: OperationErrorCode
  readonly error: string
}

/**
 * The limits of DESIGN §3 over a whole cart, as the operation checks apply them to what an
 * operation leaves: at most 100 lines (the lines past the 100th), an active product of a store
 * taking orders, at most 99 on a line and the product's `max_per_order` across its lines. For a
 * cart that is about to be ordered, whose lines may have been added under other limits (a product
 * since deactivated, a store gone offline). Stock is not a limit: the strict inventory check
 * answers for it. `view` needs the lines' products and their stores' statuses.
 */
export const cartLimitViolations = (items: ReadonlyArray<LineItem>, view: CatalogView): ReadonlyArray<LineViolation> =>
  items.flatMap((line, at): ReadonlyArray<LineViolation> => {
    const violation = (code: OperationErrorCode, error: string) => [{ item_id: line.item_id, product_id: line.product_id, code, error }]
    if (at >= MAX_LINES) return violation("CART_FULL", `A cart holds at most ${MAX_LINES} lines`)
    const product = view.product(line.product_id)
    if (product === undefined) return violation("PRODUCT_NOT_FOUND", `Product ${line.product_id} not found`)
    if (product.status !== "ACTIVE") return violation("PRODUCT_INACTIVE", `Product ${line.product_id} is not for sale`)
    const store = view.store(product.store_id)
    if (store === undefined || !store.active || !store.online) {
      return violation("STORE_OFFLINE", `Store ${product.store_id} is not taking orders`)
    }
    if (line.quantity > MAX_QUANTITY) return violation("QUANTITY_LIMIT", `At most ${MAX_QUANTITY} of one line`)
    const limit = quantityProblem(line, items, { ...view, available: () => undefined })
    return limit === undefined ? [] : violation(limit.code, limit.error)
  })

/**
 * The public error of a cart that breaks DESIGN §3's limits when it is placed: 422 STORE_OFFLINE
 * when any line's store is not taking orders (§3 lists it), else 409 CART_CHANGED — the cart must
 * be reviewed, as for a changed price. `details` lists every violation with its per-operation code.
 */
export const limitViolationsError = (violations: ReadonlyArray<LineViolation>): StoreOffline | CartChanged => {
  const details = violations.map((v) => ({ item_id: v.item_id, product_id: v.product_id, code: v.code, message: v.error }))
  const offline = violations.filter((v) => v.code === "STORE_OFFLINE")
  return offline.length > 0
    ? new StoreOffline({ message: offline.map((v) => v.error).join("; "), details })
    : new CartChanged({ message: `The cart no longer meets the shop's limits: ${violations.map((v) => v.error).join("; ")}`, details })
}

/** The line an operation leaves behind (undefined when it removed the line or changed nothing). */
const touchedLine = (op: IndexedOperation, items: ReadonlyArray<LineItem>): LineItem | undefined => {
  switch (op.op) {
    case "SET":
    case "ADD": {
      const key = lineKey(op.product_id, op.variant_id, (op.addons ?? []).map((a) => a.addon_id))
      return items.find((line) => keyOfLine(line) === key)
    }
    case "UPDATE":
      return items.find((line) => line.item_id === op.item_id)
    case "DELETE":
      return undefined
  }
}

/** The quantities to ask the inventory service about: every line as the request would leave it. */
export const requestedStock = (items: ReadonlyArray<LineItem>, operations: ReadonlyArray<IndexedOperation>) => {
  let seq = 0
  const preview = applyOperations(items, operations, () => ItemId.make(`preview_${++seq}`))
  const totals = new Map<string, StockLine>()
  for (const line of preview.items) {
    const key = `${line.product_id}|${line.variant_id ?? ""}`
    const quantity = (totals.get(key)?.quantity ?? 0) + line.quantity
    totals.set(
      key,
      line.variant_id === undefined
        ? { product_id: line.product_id, quantity }
        : { product_id: line.product_id, variant_id: line.variant_id, quantity }
    )
  }
  return [...totals.values()]
}
