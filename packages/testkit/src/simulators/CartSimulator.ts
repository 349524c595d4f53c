import { Clock, Effect } from "effect"
import { type Cart, type OperationResult, zeroTotals } from "@orchestra/core/domain/Cart"
import { applyOperations } from "@orchestra/core/domain/CartLines"
import { MAX_COUPONS } from "@orchestra/core/domain/CartOptions"
import { CartId, ItemId } from "@orchestra/core/domain/Ids"
import { settledLine } from "@orchestra/core/domain/LinePrice"
import type { CartType, OwnerRef } from "@orchestra/core/domain/Owner"
import { CartConflict, type CartGroup, type ComputeInput, type WriteGuard } from "@orchestra/core/services/Cart"
import type { Operations } from "@orchestra/core/services/Downstream"
import { ResourceConflict, ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import type { Catalog } from "../catalog/Catalog.ts"
import { priceCart } from "../pricing/priceCart.ts"

export interface CartSimulator {
  readonly operations: Operations<typeof CartGroup>
  readonly carts: () => ReadonlyArray<Cart>
  readonly cartById: (cartId: string) => Cart | undefined
}

type PricingInput = Required<ComputeInput>

interface LinesRemoved {
  readonly removed: ReadonlyArray<ItemId>
  readonly reduced: ReadonlyArray<ItemId>
}
interface MergeStored {
  readonly results: ReadonlyArray<OperationResult>
  readonly source_cart_id: CartId
}
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
 * marks the cart not computed; `compute` prices it at that version (DESIGN §10), and refuses to
 * when asked for another version. Writes carry the contract's `WriteGuard`: a key already applied
 * answers again without applying, a fencing token older than the cart's last one is refused.
 */
export const makeCartSimulator = (_catalog: Catalog): Effect.Effect<CartSimulator> =>
  Effect.sync(() => {
    const carts = new Map<string, Cart>()
    const byOwner = new Map<string, string>()
    // The inputs of each cart's last computation: a compute that leaves a field out keeps it.
    const lastInput = new Map<string, PricingInput>()
    // The largest fencing token each cart accepted.
    const fences = new Map<string, number>()
    // What each keyed write answered, by cart and key, per endpoint.
    const batchAnswers = new Map<string, ReadonlyArray<OperationResult>>()
    const optionAnswers = new Map<string, true>()
    const removeAnswers = new Map<string, true>()
    const removeLinesAnswers = new Map<string, LinesRemoved>()
    const mergeAnswers = new Map<string, MergeStored>()
    let cartSeq = 0
    let itemSeq = 0

    const notFound = (cartId: string) => new ResourceNotFound({ message: `Cart ${cartId} not found` })
    const existing = (cartId: string) => {
      const cart = carts.get(cartId)
      return cart === undefined ? Effect.fail(notFound(cartId)) : Effect.succeed(cart)
    }
    const forget = (cart: Cart) => {
      carts.delete(cart.cart_id)
      lastInput.delete(cart.cart_id)
      fences.delete(cart.cart_id)
      byOwner.delete(ownerIndexKey(cart, cart.cart_type))
    }
    /** Refuses a fencing token older than the cart's last; a newer one becomes the cart's last. */
    const admit = (cart: Cart, guard: WriteGuard): Effect.Effect<void, ResourceConflict> => {
      const fence = guard.fence
      if (fence === undefined) return Effect.void
      const last = fences.get(cart.cart_id) ?? 0
      if (fence < last) {
        return Effect.fail(
          new ResourceConflict({
            reason: CartConflict.staleFence,
            message: `Cart ${cart.cart_id} already accepted fencing token ${last}; ${fence} is older`
          })
        )
      }
      return Effect.sync(() => void fences.set(cart.cart_id, fence))
    }
    /**
     * A guarded write: a key already applied replays its stored answer (whatever the cart became
     * since, even gone); otherwise the fence is checked, `write` applied, and its answer stored
     * under the key. A refused write claims no key.
     */
    const guarded = <A, Stored>(
      answers: Map<string, Stored>,
      cartId: string,
      guard: WriteGuard,
      replay: (stored: Stored) => Effect.Effect<A, ResourceNotFound>,
      write: (cart: Cart) => Effect.Effect<{ readonly answer: A; readonly stored: Stored }, ResourceConflict | ResourceNotFound>
    ): Effect.Effect<A, ResourceConflict | ResourceNotFound> =>
      Effect.suspend(() => {
        const key = guard.idempotency_key === undefined ? undefined : `${cartId}|${guard.idempotency_key}`
        const stored = key === undefined ? undefined : answers.get(key)
        if (stored !== undefined) return replay(stored)
        return Effect.flatMap(existing(cartId), (cart) =>
          Effect.andThen(
            admit(cart, guard),
            Effect.map(write(cart), ({ answer, stored }) => {
              if (key !== undefined) answers.set(key, stored)
              return answer
            })
          )
        )
      })
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
        guarded(
          batchAnswers,
          params.cart_id,
          payload,
          (results) => Effect.map(existing(params.cart_id), (cart) => ({ results, cart })),
          (cart) =>
            Effect.map(Clock.currentTimeMillis, (now) => {
              const start = payload.replace === true ? [] : cart.items
              const result = applyOperations(start, payload.operations, () => ItemId.make(`item_${++itemSeq}`))
              const replacedSomething = payload.replace === true && cart.items.length > 0
              const next = result.changed || replacedSomething ? changed(cart, now, { items: result.items }) : cart
              return { answer: { results: result.results, cart: next }, stored: result.results }
            })
        ),

      compute: ({ params, payload = {} }) =>
        Effect.flatMap(existing(params.cart_id), (cart) =>
          Effect.andThen(
            payload.version !== undefined && payload.version !== cart.version
              ? Effect.fail(
                  new ResourceConflict({
                    reason: CartConflict.versionChanged,
                    message: `Cart ${cart.cart_id} is at version ${cart.version}, not ${payload.version}`
                  })
                )
              : admit(cart, payload),
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
          )
        ),

      updateOptions: ({ params, payload }) =>
        guarded(
          optionAnswers,
          params.cart_id,
          payload,
          () => existing(params.cart_id),
          (cart) => Effect.map(Clock.currentTimeMillis, (now) => ({ answer: changed(cart, now, payload.options), stored: true as const }))
        ),

      remove: ({ params, payload = {} }) =>
        guarded(
          removeAnswers,
          params.cart_id,
          payload,
          () => Effect.succeed({ cart_id: params.cart_id, deleted: true }),
          (cart) =>
            Effect.sync(() => {
              forget(cart)
              return { answer: { cart_id: cart.cart_id, deleted: true }, stored: true as const }
            })
        ),

      merge: ({ params, payload }) =>
        guarded(
          mergeAnswers,
          params.cart_id,
          payload,
          (stored) => Effect.map(existing(params.cart_id), (cart) => ({ ...stored, cart })),
          (cart) =>
            Effect.gen(function* () {
              // Checked before anything changes: the guest cart is there, and its fence is the latest.
              const source = yield* existing(payload.source_cart_id)
              yield* admit(source, payload.source_fence === undefined ? {} : { fence: payload.source_fence })
              const now = yield* Clock.currentTimeMillis
              const result = applyOperations(cart.items, payload.operations, () => ItemId.make(`item_${++itemSeq}`))
              const chosen = cart.coupons ?? []
              const added = payload.coupons.filter((coupon) => !chosen.some((c) => c.code === coupon.code))
              const coupons = [...chosen, ...added].slice(0, MAX_COUPONS)
              const next =
                result.changed || coupons.length > chosen.length ? changed(cart, now, { items: result.items, coupons }) : cart
              forget(source)
              const stored: MergeStored = { results: result.results, source_cart_id: source.cart_id }
              return { answer: { ...stored, cart: next }, stored }
            })
        ),

      removeLines: ({ params, payload }) =>
        guarded(
          removeLinesAnswers,
          params.cart_id,
          payload,
          (stored) =>
            Effect.sync(() => {
              const now = carts.get(params.cart_id)
              return now === undefined ? stored : { ...stored, cart: now }
            }),
          (cart) =>
            Effect.map(Clock.currentTimeMillis, (now) => {
              const ordered = new Map<string, number>()
              for (const line of payload.lines) ordered.set(line.item_id, (ordered.get(line.item_id) ?? 0) + line.quantity)
              const removed: Array<ItemId> = []
              const reduced: Array<ItemId> = []
              const items = cart.items.flatMap((line) => {
                const quantity = ordered.get(line.item_id)
                if (quantity === undefined) return [line]
                if (line.quantity <= quantity) {
                  removed.push(line.item_id)
                  return []
                }
                reduced.push(line.item_id)
                // Its total follows the quantity left, as after any change of quantity (issue 13).
                return [settledLine({ ...line, quantity: line.quantity - quantity })]
              })
              const stored: LinesRemoved = { removed, reduced }
              // A cart left without lines goes, as phase 2 used to delete it.
              if (items.length === 0) {
                forget(cart)
                return { answer: stored, stored }
              }
              const next = removed.length + reduced.length === 0 ? cart : changed(cart, now, { items })
              return { answer: { ...stored, cart: next }, stored }
            })
        )
    }

    return {
      operations,
      carts: () => [...carts.values()],
      cartById: (cartId) => carts.get(cartId)
    }
  })
