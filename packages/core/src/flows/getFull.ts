import { Effect, Option } from "effect"
import type { Cart } from "../domain/Cart.ts"
import type { ApiError } from "../domain/Errors.ts"
import { couponBaseAt } from "../domain/Promotions.ts"
import { addWarning, RequestContext } from "../runtime/RequestContext.ts"
import { optional } from "../runtime/StepRunner.ts"
import { CartConflict } from "../services/Cart.ts"
import { ResourceConflict } from "../services/DownstreamErrors.ts"
import type { CartScope } from "./CartFlows.ts"
import { chargesOf, productIdsOf, storeIdsOf } from "./cartContext.ts"
import { cartWarnings } from "./cartWarnings.ts"
import { requestedStock } from "./checkOperations.ts"
import { emptyCart } from "./emptyCart.ts"
import type { FlowDeps } from "./FlowDeps.ts"
import type { GetCartResponse } from "./responses.ts"
import type { Steps } from "./steps.ts"

/**
 * GET /cart (full): DESIGN §4, 11 steps.
 * 1 cart get → ‖ 2 products, 3 inventory, 4 store status, 5 tax settings, 6 delivery option (if
 * set) → 7 shipping (if set) → 8 promotions → 9 coupons re-validate → 10 compute → 11 cache set.
 * Steps 2–9 degrade to warnings. Without current products or tax settings the cart cannot be
 * priced correctly, so — as when compute fails — the last computed cart comes back `stale: true`.
 */
export const getFull =
  (deps: FlowDeps, steps: Steps) =>
  (input: CartScope): Effect.Effect<GetCartResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const context = yield* RequestContext
      const found = yield* steps.findCart(input) // 1
      if (Option.isNone(found)) {
        return {
          success: true,
          cart_type: input.cartType,
          cart: emptyCart(input.cartType, deps.currency),
          inventory_status: [],
          warnings: [],
          stale: false
        } as const
      }
      const cart = found.value
      const { domainId } = input.owner
      const productIds = productIdsOf(cart.items)
      const products = yield* Effect.cached(Effect.map(steps.searchProducts(productIds), (r) => r.products))
      const storeIds = storeIdsOf(cart.items, productIds, products)
      const unavailable = (code: string, what: string) => ({ code, message: `${what} could not be checked` })

      const gathered = yield* Effect.all(
        {
          products: optional(products, unavailable("PRICES_UNCHECKED", "Current prices")), // 2
          availability: optional(
            Effect.map(steps.checkAvailability(requestedStock(cart.items, [])), (r) => r.items),
            unavailable("STOCK_UNCHECKED", "Stock")
          ), // 3
          stores: optional(Effect.flatMap(storeIds, (ids) => steps.storeStatuses(domainId, ids)), unavailable("STORES_UNCHECKED", "Store status")), // 4
          taxSettings: optional(Effect.flatMap(storeIds, (ids) => steps.taxSettings(domainId, ids)), unavailable("TAX_UNCHECKED", "Tax")), // 5
          deliveryOption:
            cart.delivery_option === undefined
              ? Effect.succeedNone
              : optional(steps.deliveryOption(cart.delivery_option.delivery_option_id), unavailable("DELIVERY_OPTION_UNCHECKED", "The delivery option")) // 6
        },
        { concurrency: "unbounded" }
      )

      const deliveryOption = Option.flatten(gathered.deliveryOption)
      const shipping =
        cart.delivery_option === undefined || Option.exists(deliveryOption, (o) => !o.active)
          ? Option.none()
          : Option.flatten(
              yield* optional(
                Effect.flatMap(storeIds, (ids) =>
                  steps.shippingRate(cart.delivery_option!.delivery_option_id, ids, cart.address?.shipping_address?.address_id)
                ),
                unavailable("DELIVERY_CHARGE_UNAVAILABLE", "Delivery charges")
              )
            ) // 7
      if (Option.exists(deliveryOption, (o) => !o.active)) {
        context.warnings.push({ code: "DELIVERY_OPTION_UNAVAILABLE", message: "The chosen delivery option is no longer offered" })
      }

      const promotions = yield* steps.promotions(productIds) // 8

      const codes = (cart.coupons ?? []).map((c) => c.code)
      const currentProducts = Option.getOrUndefined(gathered.products)
      const coupons =
        codes.length === 0 || currentProducts === undefined
          ? Option.none()
          : yield* optional(
              Effect.map(
                steps.validateCoupons(
                  codes,
                  input.owner,
                  // The rule PUT /cart judges a coupon's minimum by: the subtotal after promotions.
                  couponBaseAt(cart.items, (id) => currentProducts.find((p) => p.product_id === id), Option.getOrElse(promotions, () => []))
                ),
                (r) => r.coupons
              ),
              unavailable("COUPONS_UNCHECKED", "Coupons")
            ) // 9

      const taxSettings = Option.getOrUndefined(gathered.taxSettings)
      const computed: Option.Option<Cart> =
        currentProducts === undefined || taxSettings === undefined
          ? Option.none()
          : Option.flatten(yield* optional(
              steps
                .compute(
                  cart.cart_id,
                  {
                    products: currentProducts,
                    promotions: Option.getOrElse(promotions, () => []),
                    ...Option.match(coupons, {
                      onNone: () => ({}),
                      onSome: (validated) => ({ coupons: validated.flatMap((c) => (c.valid && c.coupon ? [c.coupon] : [])) })
                    }),
                    tax_settings: taxSettings,
                    delivery_charges: chargesOf(shipping)
                  },
                  // Priced only at the version read in step 1: a mutation since then made these inputs another cart's.
                  cart.version
                )
                .pipe(
                  Effect.map(Option.some),
                  Effect.catchIf(
                    (error) => error instanceof ResourceConflict && error.reason === CartConflict.versionChanged,
                    () =>
                      Effect.as(
                        addWarning({
                          code: "CART_CHANGED",
                          message: "The cart changed while it was being priced; these are its totals from before that change",
                          service: "cart"
                        }),
                        Option.none<Cart>()
                      )
                  )
                ),
              { code: "STALE_CART", message: "The cart could not be recomputed; these are its last computed totals" }
            )) // 10

      if (Option.isSome(computed)) yield* steps.cacheSet(input.owner, input.cartType, computed.value) // 11

      const result = Option.getOrElse(computed, () => cart)
      const availability = Option.getOrUndefined(gathered.availability)
      return {
        success: true,
        cart_type: input.cartType,
        cart: result,
        inventory_status: (availability ?? []).map((a) => ({
          product_id: a.product_id,
          ...(a.variant_id === undefined ? {} : { variant_id: a.variant_id }),
          available: a.available,
          quantity_available: a.quantity_available
        })),
        warnings: [
          ...context.warnings,
          ...cartWarnings({
            before: cart,
            after: result,
            products: currentProducts,
            availability,
            stores: Option.getOrUndefined(gathered.stores),
            coupons: Option.getOrUndefined(coupons)
          })
        ],
        stale: Option.isNone(computed)
      } as const
    })
