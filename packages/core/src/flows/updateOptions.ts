import { Clock, Effect, Option } from "effect"
import type { Cart } from "../domain/Cart.ts"
import type { DeliveryPreference } from "../domain/CartOptions.ts"
import { type ApiError, CartNotFound, InvalidRequest } from "../domain/Errors.ts"
import type { AddressId } from "../domain/Ids.ts"
import { ownerSubject } from "../limits/AbuseLimits.ts"
import { minor, sum } from "../domain/Money.ts"
import type { Owner } from "../domain/Owner.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import type { StoredOptions } from "../services/Cart.ts"
import type { Address } from "../services/Customer.ts"
import type { DeliveryOption } from "../services/SellerAdmin.ts"
import type { CartScope } from "./CartFlows.ts"
import { cartWriteRefusals, chargesOf, invalidatingOnFailure, unique } from "./cartContext.ts"
import type { FlowDeps } from "./FlowDeps.ts"
import type { UpdateOptionsRequest } from "./requests.ts"
import type { FieldValidation, UpdateOptionsResponse, Validations } from "./responses.ts"
import type { Steps } from "./steps.ts"

const VALID: FieldValidation = { status: "VALID" }
const invalid = (reason: string): FieldValidation => ({ status: "INVALID", reason })
const when = <A, E, R>(condition: boolean, effect: () => Effect.Effect<A, E, R>) =>
  condition ? Effect.map(effect(), Option.some) : Effect.succeedNone

/** An address is usable only by the customer it belongs to, and only where it can be delivered. */
const checkAddress = (owner: Owner, address: Option.Option<Address>, forShipping: boolean): FieldValidation => {
  if (Option.isNone(address)) return invalid("NOT_FOUND")
  if (owner._tag !== "Customer" || address.value.customer_id !== owner.customerId) return invalid("NOT_YOUR_ADDRESS")
  if (forShipping && !address.value.serviceable) return invalid("NOT_SERVICEABLE")
  return VALID
}

/**
 * A scheduled slot must be one of the delivery option's slots, on today's date or later; anything
 * else is a malformed request (DESIGN §4: 400), not an invalid field.
 */
const checkPreference = (preference: DeliveryPreference, option: DeliveryOption | undefined, today: string) => {
  const scheduled = preference.scheduled
  if (scheduled == null) return Effect.void
  if (option === undefined) {
    return Effect.fail(
      new InvalidRequest({ message: "A scheduled delivery needs a delivery option", details: [{ path: ["delivery_preference", "scheduled"] }] })
    )
  }
  if (!option.slots.some((slot) => slot.id === scheduled.slot.id)) {
    return Effect.fail(
      new InvalidRequest({
        message: `Slot ${scheduled.slot.id} is not offered by ${option.delivery_option_id}`,
        details: [{ path: ["delivery_preference", "scheduled", "slot", "id"] }]
      })
    )
  }
  if (scheduled.date < today) {
    return Effect.fail(
      new InvalidRequest({ message: `${scheduled.date} is in the past`, details: [{ path: ["delivery_preference", "scheduled", "date"] }] })
    )
  }
  return Effect.void
}

const storeCount = (cart: Cart) => unique(cart.items.flatMap((i) => (i.store_id === undefined ? [] : [i.store_id]))).length

/**
 * PUT /cart: DESIGN §4, 12 steps.
 * 1 cart get → ‖ 2 coupons validate, 3 address get, 4 delivery option, 5 pickup point,
 * 6 payment method, 7 gift wrap — each only when its field is sent → 8 options update (valid
 * fields only) → 9 shipping rate (delivery option or address changed) → 10 promotions →
 * 11 compute → 12 cache set. Optional: 9 (warning), 10, 12.
 * An owner out of invalid coupon codes (DESIGN §3) is refused before anything is validated.
 */
export const updateOptions =
  (deps: FlowDeps, steps: Steps) =>
  (input: CartScope & { readonly request: UpdateOptionsRequest }): Effect.Effect<UpdateOptionsResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const { owner, request } = input
      const triesCoupons = request.coupons !== undefined && request.coupons.length > 0
      if (triesCoupons) yield* deps.limits.check("coupon_failures", ownerSubject(owner))
      const found = yield* steps.findCart(input) // 1
      if (Option.isNone(found)) return yield* new CartNotFound({ message: "There is no cart to update" })
      const cart = found.value
      const today = new Date(yield* Clock.currentTimeMillis).toISOString().slice(0, 10)

      const shippingId = request.address?.shipping_address?.address_id
      const billing = request.address?.billing_address
      const billingId: AddressId | undefined = billing?.same_as_shipping === true ? undefined : billing?.address_id
      const deliveryOptionId = request.delivery_option?.delivery_option_id ?? cart.delivery_option?.delivery_option_id
      // The cart's last computed subtotal after promotions: what its coupons apply to.
      const couponBase = minor(Math.max(0, cart.totals.subtotal + sum(cart.promotions_applied.map((p) => p.discount))))

      const checked = yield* Effect.all(
        {
          coupons: when(request.coupons !== undefined, () =>
            Effect.map(steps.validateCoupons(request.coupons!.map((c) => c.code), owner, couponBase), (r) => r.coupons)
          ), // 2
          shippingAddress: when(shippingId !== undefined, () => steps.address(shippingId!)), // 3
          billingAddress: when(billingId !== undefined, () => steps.address(billingId!)), // 3
          deliveryOption: when(
            request.delivery_option !== undefined || (request.delivery_preference !== undefined && deliveryOptionId !== undefined),
            () => steps.deliveryOption(deliveryOptionId!)
          ), // 4
          pickupPoint: when(request.pickup_point !== undefined, () => steps.pickupPoint(request.pickup_point!.pickup_point_id)), // 5
          paymentMethod: when(request.payment_method !== undefined, () =>
            steps.paymentMethod(request.payment_method!.payment_method_id)
          ), // 6
          giftWrap: when(request.gift_wrap !== undefined, () => steps.giftWrapOption(request.gift_wrap!.id)) // 7
        },
        { concurrency: "unbounded" }
      )

      const option = Option.getOrUndefined(Option.flatten(checked.deliveryOption))
      const usableOption = option?.active === true ? option : undefined
      if (request.delivery_preference !== undefined) yield* checkPreference(request.delivery_preference, usableOption, today)
      const wrap = Option.getOrUndefined(Option.flatten(checked.giftWrap))
      const message = request.gift_wrap?.message
      if (wrap !== undefined && message !== undefined && message.length > wrap.max_message_length) {
        return yield* new InvalidRequest({
          message: `The gift message is longer than ${wrap.max_message_length} characters`,
          details: [{ path: ["gift_wrap", "message"] }]
        })
      }

      const validations: { -readonly [K in keyof Validations]: Validations[K] } = {}
      const options: { -readonly [K in keyof StoredOptions]: StoredOptions[K] } = {}

      if (request.coupons !== undefined) {
        const results = Option.getOrElse(checked.coupons, () => [])
        yield* deps.limits.recordFailures("coupon_failures", ownerSubject(owner), results.filter((c) => !c.valid).length)
        validations.coupons = results.map((c) => ({
          code: c.code,
          status: c.valid ? ("VALID" as const) : ("INVALID" as const),
          ...(c.reason === undefined ? {} : { reason: c.reason }),
          ...(c.discount === undefined ? {} : { discount: minor(Math.abs(c.discount)) })
        }))
        options.coupons = results.filter((c) => c.valid).map((c) => ({ code: c.code }))
      }
      if (request.address !== undefined) {
        const shipping = Option.map(checked.shippingAddress, (a) => checkAddress(owner, a, true))
        const billingCheck = Option.map(checked.billingAddress, (a) => checkAddress(owner, a, false))
        const problem = [shipping, billingCheck].flatMap(Option.toArray).find((v) => v.status === "INVALID")
        validations.address = problem ?? VALID
        if (problem === undefined) options.address = request.address
      }
      if (request.tips !== undefined) {
        const valid = request.tips.currency === cart.currency
        validations.tips = valid ? VALID : invalid("CURRENCY_MISMATCH")
        if (valid) options.tips = request.tips
      }
      if (request.delivery_option !== undefined) {
        validations.delivery_option =
          usableOption === undefined
            ? invalid(option === undefined ? "NOT_FOUND" : "INACTIVE")
            : { status: "VALID", charge: minor(usableOption.charge_per_store * Math.max(1, storeCount(cart))) }
        if (usableOption !== undefined) options.delivery_option = request.delivery_option
      }
      if (request.delivery_preference !== undefined) {
        validations.delivery_preference = VALID
        options.delivery_preference = request.delivery_preference
      }
      if (request.pickup_point !== undefined) {
        const point = Option.getOrUndefined(Option.flatten(checked.pickupPoint))
        validations.pickup_point = point === undefined ? invalid("NOT_FOUND") : point.active ? VALID : invalid("INACTIVE")
        if (point?.active === true) options.pickup_point = request.pickup_point
      }
      if (request.payment_method !== undefined) {
        const method = Option.getOrUndefined(Option.flatten(checked.paymentMethod))
        validations.payment_method = method === undefined ? invalid("NOT_FOUND") : method.active ? VALID : invalid("INACTIVE")
        if (method?.active === true) options.payment_method = request.payment_method
      }
      if (request.gift_wrap !== undefined) {
        validations.gift_wrap =
          wrap === undefined ? invalid("NOT_FOUND") : wrap.active ? { status: "VALID", charge: wrap.price } : invalid("INACTIVE")
        if (wrap?.active === true) {
          options.gift_wrap = { id: wrap.id, price: wrap.price, ...(message === undefined ? {} : { message }) }
        }
      }
      if (request.special_instructions !== undefined) {
        validations.special_instructions = VALID
        options.special_instructions = request.special_instructions
      }

      const computed = yield* Effect.gen(function* () {
        const updated = Object.keys(options).length === 0 ? cart : yield* steps.updateOptions(owner, cart.cart_id, options) // 8

        const fulfilmentChanged = options.delivery_option !== undefined || options.address !== undefined
        const deliveryId = updated.delivery_option?.delivery_option_id
        const shipping =
          fulfilmentChanged && deliveryId !== undefined
            ? yield* steps.shippingRate(
                deliveryId,
                unique(updated.items.flatMap((i) => (i.store_id === undefined ? [] : [i.store_id]))),
                updated.address?.shipping_address?.address_id
              )
            : Option.none() // 9

        const promotions = yield* steps.promotions(unique(updated.items.map((i) => i.product_id))) // 10

        const computed = yield* steps.compute(
          updated.cart_id,
          {
            ...Option.match(promotions, { onNone: () => ({}), onSome: (p) => ({ promotions: p }) }),
            ...(options.coupons === undefined
              ? {}
              : {
                  coupons: Option.getOrElse(checked.coupons, () => []).flatMap((c) => (c.valid && c.coupon ? [c.coupon] : []))
                }),
            ...(fulfilmentChanged && deliveryId !== undefined && Option.isSome(shipping) ? { delivery_charges: chargesOf(shipping) } : {}),
            ...(fulfilmentChanged && deliveryId === undefined ? { delivery_charges: [] } : {})
          },
          updated.version
        ) // 11

        yield* steps.cacheSet(owner, input.cartType, computed) // 12
        return computed
      }).pipe(invalidatingOnFailure(steps, cart))

      const context = yield* RequestContext
      return {
        success: true,
        cart_type: input.cartType,
        cart: computed,
        validations,
        warnings: [...context.warnings]
      } as const
    }).pipe(cartWriteRefusals)
