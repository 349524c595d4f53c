import { Effect, Option } from "effect"
import { type Cart, isStale, type LineItem } from "../domain/Cart.ts"
import type { IndexedOperation } from "../domain/CartLines.ts"
import type { DomainId, ProductId, StoreId } from "../domain/Ids.ts"
import type { Operation } from "../domain/Operation.ts"
import { CartNotFound, DownstreamError } from "../domain/Errors.ts"
import { ResourceConflict, ResourceNotFound } from "../services/DownstreamErrors.ts"
import type { Product } from "../services/Product.ts"
import type { ShippingRate } from "../services/Shipping.ts"
import { cartBusy } from "./cartBusy.ts"
import { catalogView } from "./checkOperations.ts"
import type { Steps } from "./steps.ts"

export const indexed = (operations: ReadonlyArray<Operation>): ReadonlyArray<IndexedOperation> =>
  operations.map((op, index) => ({ ...op, index }))

export const unique = <A>(values: Iterable<A>): Array<A> => [...new Set(values)]

export const productIdsOf = (items: ReadonlyArray<LineItem>, operations: ReadonlyArray<IndexedOperation> = []) =>
  unique<ProductId>([
    ...items.map((i) => i.product_id),
    ...operations.flatMap((op) => (op.op === "SET" || op.op === "ADD" ? [op.product_id] : []))
  ])

/**
 * The stores the cart's lines (and any new products) belong to. A computed line knows its store,
 * so the store steps can start at once; a new product's store is only known once the product
 * search answers, so then they wait for it (DESIGN §4's group 2–6 cannot be fully parallel for
 * products the cart has never seen — docs/flows.md).
 */
export const storeIdsOf = <E, R>(
  items: ReadonlyArray<LineItem>,
  productIds: ReadonlyArray<ProductId>,
  products: Effect.Effect<ReadonlyArray<Product>, E, R>
): Effect.Effect<ReadonlyArray<StoreId>, E, R> => {
  const known = new Map(items.flatMap((i) => (i.store_id === undefined ? [] : [[i.product_id as string, i.store_id] as const])))
  if (productIds.every((id) => known.has(id))) return Effect.succeed(unique(known.values()))
  return Effect.map(products, (found) => unique(found.map((p) => p.store_id)))
}

/**
 * Steps 4–6 of the items and get flows: shipping (only with a delivery option), store status and
 * tax settings, concurrently, once the stores are known.
 */
export const sellerContext = <E, R>(
  steps: Steps,
  domainId: DomainId,
  cart: Cart | undefined,
  storeIds: Effect.Effect<ReadonlyArray<StoreId>, E, R>
) =>
  Effect.flatMap(storeIds, (stores) =>
    Effect.all(
      {
        shipping:
          cart?.delivery_option === undefined
            ? Effect.succeedNone
            : steps.shippingRate(cart.delivery_option.delivery_option_id, stores, cart.address?.shipping_address?.address_id),
        statuses: steps.storeStatuses(domainId, stores),
        taxSettings: steps.taxSettings(domainId, stores)
      },
      { concurrency: "unbounded" }
    )
  )

/**
 * What the lite and buy-now flows learn to hold DESIGN §3's limits (issue 14): the products the
 * request's SET, ADD and UPDATE operations touch, and the statuses of their stores — the checks of
 * `checkOperations` without stock, which only the full flow asks about. Nothing to ask for a
 * request that only deletes lines.
 */
export const limitsView = (steps: Steps, domainId: DomainId, items: ReadonlyArray<LineItem>, operations: ReadonlyArray<IndexedOperation>) => {
  const byItem = new Map(items.map((line) => [line.item_id as string, line.product_id]))
  const productIds = unique<ProductId>(
    operations.flatMap((op) => {
      if (op.op === "SET" || op.op === "ADD") return [op.product_id]
      const product = op.op === "UPDATE" ? byItem.get(op.item_id) : undefined
      return product === undefined ? [] : [product]
    })
  )
  if (productIds.length === 0) return Effect.succeed(catalogView([], [], []))
  return Effect.gen(function* () {
    const products = yield* Effect.cached(Effect.map(steps.searchProducts(productIds), (r) => r.products))
    const found = yield* Effect.all(
      {
        products,
        statuses: Effect.flatMap(storeIdsOf(items, productIds, products), (storeIds) => steps.storeStatuses(domainId, storeIds))
      },
      { concurrency: "unbounded" }
    )
    return catalogView(found.products, [], found.statuses)
  })
}

/**
 * What pricing a stale cart takes beyond what the cart service kept from its last computation
 * (issue 13): a cart only lite-updated or never computed has lines whose products the cart service
 * was never sent, and stores whose tax it never learnt, so a compute without them prices those
 * lines at nothing. The current products of every line, their stores' tax settings and the
 * promotions, side by side. None for a cart computed at its version, or without lines.
 */
export const stalePricing = (steps: Steps, domainId: DomainId, cart: Cart) => {
  const productIds = productIdsOf(cart.items)
  if (!isStale(cart) || productIds.length === 0) return Effect.succeedNone
  return Effect.gen(function* () {
    const products = yield* Effect.cached(Effect.map(steps.searchProducts(productIds), (r) => r.products))
    const found = yield* Effect.all(
      {
        products,
        taxSettings: Effect.flatMap(storeIdsOf(cart.items, productIds, products), (storeIds) => steps.taxSettings(domainId, storeIds)),
        promotions: steps.promotions(productIds)
      },
      { concurrency: "unbounded" }
    )
    return Option.some(found)
  })
}

export const chargesOf = (shipping: Option.Option<ShippingRate>): ShippingRate["charges"] =>
  Option.match(shipping, { onNone: () => [], onSome: (rate) => rate.charges })

/**
 * The cart service's refusals of a mutation's writes. A 404 after the flow found or created the
 * cart: someone deleted it meanwhile (only possible outside the orchestrator's lock), and the
 * client sees CART_NOT_FOUND. A 409: the write's fencing token is older than one the cart
 * accepted (another request took the cart over after this one's lock lapsed) or the cart moved
 * past the version being computed; either way the change did not land, and CART_BUSY says retry.
 */
export const cartWriteRefusals = <A, E, R>(effect: Effect.Effect<A, E | ResourceNotFound | ResourceConflict, R>) =>
  effect.pipe(
    Effect.catchIf(
      (error): error is ResourceNotFound => error instanceof ResourceNotFound,
      () => Effect.fail(new CartNotFound({ message: "The cart was deleted while it was being changed" }))
    ),
    Effect.catchIf(
      (error): error is ResourceConflict => error instanceof ResourceConflict,
      (error) => cartBusy(`Another change to this cart took over (${error.reason}); retry shortly`)
    )
  )

/**
 * Runs the writes of a mutation that read the cart at `cart.version`. Should they fail — or be
 * interrupted — after the cart service may have applied one, the cache gets a tombstone at the
 * next version: whatever it held from before must not be served as the cart (issue 14).
 */
export const invalidatingOnFailure =
  (steps: Steps, cart: Cart) =>
  <A, E, R>(writes: Effect.Effect<A, E, R>) =>
    Effect.onError(writes, () => Effect.asVoid(steps.cacheInvalidate(cart.cart_id, cart.version + 1)))

/**
 * A refusal (404/409) no step of the flow expects: a downstream service broke its contract. The
 * client sees DOWNSTREAM_ERROR rather than a detail it cannot act on.
 */
export const unexpectedRefusals = <A, E, R>(effect: Effect.Effect<A, E | ResourceNotFound | ResourceConflict, R>) =>
  Effect.catchIf(
    effect,
    (error): error is ResourceNotFound | ResourceConflict => error instanceof ResourceNotFound || error instanceof ResourceConflict,
    (error) => Effect.fail(new DownstreamError({ service: "downstream", message: `Unexpected refusal: ${error.message}` }))
  )
