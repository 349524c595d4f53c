import { Clock, Effect } from "effect"
import { type Cart, zeroTotals } from "@orchestra/core/domain/Cart"
import { applyOperations } from "@orchestra/core/domain/CartLines"
import { CartId, ItemId } from "@orchestra/core/domain/Ids"
import type { CartType, OwnerRef } from "@orchestra/core/domain/Owner"
import type { CartGroup, ComputeInput } from "@orchestra/core/services/Cart"
import type { Operations } from "@orchestra/core/services/Downstream"
import { ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import type { Catalog } from "../catalog/Catalog.ts"
import { priceCart } from "../pricing/priceCart.ts"

export interface CartSimulator {
  readonly operations: Operations<typeof CartGroup>
  readonly carts: () => ReadonlyArray<Cart>
  readonly cartById: (cartId: string) => Cart | undefined
}

type PricingInput = Required<ComputeInput>
const noInput: PricingInput = { products: [], promotions: [], coupons: [], tax_settings: [], delivery_charges: [] }

const ownerIndexKey = (owner: OwnerRef, cartType: CartType) =>
  `${owner.domain_id}|${owner.customer_id ?? ""}|${owner.session_id ?? ""}|${cartType}`

const ownerOf = (request: OwnerRef): OwnerRef => ({
  domain_id: request.domain_id,
  ...(request.customer_id === undefined ? {} : { customer_id: request.customer_id }),
  ...(request.session_id === undefined ? {} : { session_id: request.session_id })
})

/**
 * The cart service: lines, options and a version per cart. Every change bumps the version and
 * marks the cart not computed; `compute` prices it at that version (DESIGN §10).
 */
export const makeCartSimulator = (_catalog: Catalog): Effect.Effect<CartSimulator> =>
  Effect.sync(() => {
    const carts = new Map<string, Cart>()
    const byOwner = new Map<string, string>()
    // The inputs of each cart's last computation: a compute that leaves a field out keeps it.
    const lastInput = new Map<string, PricingInput>()
    let cartSeq = 0
    let itemSeq = 0

    const notFound = (cartId: string) => new ResourceNotFound({ message: `Cart ${cartId} not found` })
    const existing = (cartId: string) => {
      const cart = carts.get(cartId)
      return cart === undefined ? Effect.fail(notFound(cartId)) : Effect.succeed(cart)
    }
    const save = (cart: Cart): Cart => {
      carts.set(cart.cart_id, cart)
      return cart
    }
    const changed = (cart: Cart, now: number, patch: Partial<Cart>): Cart =>
      save({ ...cart, ...patch, version: cart.version + 1, computed: false, updated_at: new Date(now).toISOString() })

    const operations: Operations<typeof CartGroup> = {
      findOrCreate: ({ payload }) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const key = ownerIndexKey(payload, payload.cart_type)
          const found = byOwner.get(key)
          const cart = found === undefined ? undefined : carts.get(found)
          if (cart !== undefined) return cart
          const created: Cart = {
            cart_id: CartId.make(`cart_${++cartSeq}`),
            ...ownerOf(payload),
            cart_type: payload.cart_type,
            currency: payload.currency,
            version: 1,
            items: [],
            coupons_applied: [],
            promotions_applied: [],
            totals: zeroTotals,
            computed: false,
            updated_at: new Date(now).toISOString()
          }
          byOwner.set(key, created.cart_id)
          return save(created)
        }),

      find: ({ payload }) => {
        const found = byOwner.get(ownerIndexKey(payload, payload.cart_type))
        return found === undefined
          ? Effect.fail(new ResourceNotFound({ message: "No cart for this owner" }))
          : existing(found)
      },

      applyBatch: ({ params, payload }) =>
        Effect.flatMap(existing(params.cart_id), (cart) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            const start = payload.replace === true ? [] : cart.items
            const applied = applyOperations(start, payload.operations, () => ItemId.make(`item_${++itemSeq}`))
            const replacedSomething = payload.replace === true && cart.items.length > 0
            const next =
              applied.changed || replacedSomething ? changed(cart, now, { items: applied.items }) : cart
            return { results: applied.results, cart: next }
          })
        ),

      compute: ({ params, payload }) =>
        Effect.flatMap(existing(params.cart_id), (cart) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            const previous = lastInput.get(cart.cart_id) ?? noInput
            const input: PricingInput = {
              products: payload.products ?? previous.products,
              promotions: payload.promotions ?? previous.promotions,
              coupons: payload.coupons ?? previous.coupons,
              tax_settings: payload.tax_settings ?? previous.tax_settings,
              delivery_charges: payload.delivery_charges ?? previous.delivery_charges
            }
            lastInput.set(cart.cart_id, input)
            const priced = priceCart({
              items: cart.items,
              compute: input,
              tips: cart.tips?.amount ?? 0,
              giftWrap: cart.gift_wrap?.price ?? 0,
              deliveryOptionId: cart.delivery_option?.delivery_option_id,
              today: new Date(now).toISOString().slice(0, 10)
            })
            return save({
              ...cart,
              items: priced.items,
              totals: priced.totals,
              coupons_applied: priced.coupons_applied,
              promotions_applied: priced.promotions_applied,
              computed: true,
              computed_version: cart.version
            })
          })
        ),

      updateOptions: ({ params, payload }) =>
        Effect.flatMap(existing(params.cart_id), (cart) =>
          Effect.map(Clock.currentTimeMillis, (now) => changed(cart, now, payload.options))
        ),

      remove: ({ params }) =>
        Effect.flatMap(existing(params.cart_id), (cart) =>
          Effect.sync(() => {
            carts.delete(cart.cart_id)
            lastInput.delete(cart.cart_id)
            byOwner.delete(ownerIndexKey(cart, cart.cart_type))
            return { cart_id: cart.cart_id, deleted: true }
          })
        )
    }

    return {
      operations,
      carts: () => [...carts.values()],
      cartById: (cartId) => carts.get(cartId)
    }
  })
