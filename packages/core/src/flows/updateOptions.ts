import { Clock, Effect, Option } from "effect"
import type { Cart } from "../domain/Cart.ts"
import type { DeliveryPreference } from "../domain/CartOptions.ts"
import { type ApiError, CartNotFound, InvalidRequest } from "../domain/Errors.ts"
import type { AddressId } from "../domain/Ids.ts"
import { ownerSubject } from "../limits/AbuseLimits.ts"
import { minor, sum } from "../domain/Money.ts"
import { couponBaseAt, couponBaseOf } from "../domain/Promotions.ts"
import type { CouponValidation } from "../services/Marketing.ts"
import type { Owner } from "../domain/Owner.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import type { StoredOptions } from "../services/Cart.ts"
import type { Address } from "../services/Customer.ts"
import type { DeliveryOption } from "../services/SellerAdmin.ts"
import type { CartScope } from "./CartFlows.ts"
import { cartWriteRefusals, chargesOf, invalidatingOnFailure, stalePricing, unique } from "./cartContext.ts"
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

/**
 * The figures of `validations` taken from the computed cart, so that they agree with its totals
 * (issue 13): a valid delivery option's `charge` is `totals.delivery_charge` (after any free-delivery
 * promotion), a valid wrap's is `totals.gift_wrap`, and each coupon's `discount` what the
 * computation applied for it (0 when it applied nothing, e.g. a minimum no longer reached). The
 * seed's `coupon` sums them up: VALID when every code sent is.
 */
const withFigures = (
  validations: Validations,
  coupons: ReadonlyArray<CouponValidation> | undefined,
  cart: Cart
): Validations => {
  const applied = new Map(cart.coupons_applied.map((c) => [c.code as string, minor(Math.abs(c.discount))]))
  const perCode = coupons?.map((c) => ({
    code: c.code,
    status: c.valid ? ("VALID" as const) : ("INVALID" as const),
    ...(c.reason === undefined ? {} : { reason: c.reason }),
    ...(c.valid ? { discount: applied.get(c.code) ?? minor(0) } : {})
  }))
  const valid = (v: FieldValidation | undefined, charge: number) => (v?.status === "VALID" ? { ...v, charge: minor(charge) } : v)
  const deliveryOption = valid(validations.delivery_option, cart.totals.delivery_charge)
  const giftWrap = valid(validations.gift_wrap, cart.totals.gift_wrap)
  return {
    ...validations,
    ...(perCode === undefined
      ? {}
      : {
          coupon: {
            status: perCode.every((c) => c.status === "VALID") ? "VALID" : "INVALID",
            discount: sum(perCode.map((c) => c.discount ?? 0))
          },
          coupons: perCode
        }),
    ...(deliveryOption === undefined ? {} : { delivery_option: deliveryOption }),
    ...(giftWrap === undefined ? {} : { gift_wrap: giftWrap })
  }
}

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
      // A stale cart (lite-updated, never computed) is priced from current products (docs/flows.md).
      const catchUp = yield* Effect.cached(stalePricing(steps, owner.domainId, cart))
      // What coupons apply to and are judged on (the rule GET /cart uses too): the subtotal after
      // promotions, at current prices for a stale cart, else from the cart's computation.
      const couponBase = Effect.map(
        catchUp,
        Option.match({
          onNone: () => couponBaseOf(cart),
          onSome: (current) =>
            couponBaseAt(cart.items, (id) => current.products.find((p) => p.product_id === id), Option.getOrElse(current.promotions, () => []))
        })
      )

      const checked = yield* Effect.all(
        {
          catchUp,
          coupons: when(request.coupons !== undefined, () =>
            Effect.flatMap(couponBase, (base) =>
              Effect.map(steps.validateCoupons(request.coupons!.map((c) => c.code), owner, base), (r) => r.coupons)
            )
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
        options.coupons = results.filter((c) => c.valid).map((c) => ({ code: c.code }))
      }
      if (request.address !== undefined) {
        const shipping = Option.map(checked.shippingAddress, (a) => checkAddress(owner, a, true))
        const billingCheck = Option.map(checked.billingAddress, (a) => checkAddress(owner, a, false))
        const problem = [shipping, billingCheck].flatMap(Option.toArray).find((v) => v.status === "INVALID")
        validations.address = problem ?? VALID
        if (problem === undefined) {
          // The addresses themselves beside their ids (the seed's cart shape), as just checked.
          const shippingAddress = Option.getOrUndefined(Option.flatten(checked.shippingAddress))
          const billingAddress = billing?.same_as_shipping === true ? shippingAddress : Option.getOrUndefined(Option.flatten(checked.billingAddress))
          options.address = {
            ...request.address,
            ...(shippingAddress === undefined ? {} : { shipping: shippingAddress }),
            ...(billingAddress === undefined ? {} : { billing: billingAddress })
          }
        }
      }
      if (request.tips !== undefined) {
        const valid = request.tips.currency === cart.currency
        validations.tips = valid ? VALID : invalid("CURRENCY_MISMATCH")
        if (valid) options.tips = request.tips
      }
      if (request.delivery_option !== undefined) {
        // A valid option's charge is filled in from the computed totals below.
        validations.delivery_option = usableOption === undefined ? invalid(option === undefined ? "NOT_FOUND" : "INACTIVE") : VALID
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
        // A valid wrap's charge is filled in from the computed totals below.
        validations.gift_wrap = wrap === undefined ? invalid("NOT_FOUND") : wrap.active ? VALID : invalid("INACTIVE")
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

        const current = Option.getOrUndefined(checked.catchUp)
        // A stale cart's stores may have changed since its delivery was last quoted.
        const fulfilmentChanged = options.delivery_option !== undefined || options.address !== undefined || current !== undefined
        const deliveryId = updated.delivery_option?.delivery_option_id
        const shipping =
          fulfilmentChanged && deliveryId !== undefined
            ? yield* steps.shippingRate(
                deliveryId,
                unique(updated.items.flatMap((i) => (i.store_id === undefined ? [] : [i.store_id]))),
                updated.address?.shipping_address?.address_id
              )
            : Option.none() // 9

        // Read with the stale cart's products already, for the same lines: not asked twice.
        const promotions = current === undefined ? yield* steps.promotions(unique(updated.items.map((i) => i.product_id))) : current.promotions // 10

        const computed = yield* steps.compute(
          updated.cart_id,
          {
            ...(current === undefined ? {} : { products: current.products, tax_settings: current.taxSettings }),
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
        validations: withFigures(validations, request.coupons === undefined ? undefined : Option.getOrElse(checked.coupons, () => []), computed),
        warnings: [...context.warnings]
      } as const
    }).pipe(cartWriteRefusals)
