import { Schema } from "effect"
import {
  AddressId,
  CouponCode,
  DeliveryOptionId,
  GiftWrapId,
  PaymentMethodId,
  PickupPointId,
  SlotId
} from "./Ids.ts"
import { amountBetween, Currency } from "./Money.ts"

export const MAX_COUPONS = 5
export const MAX_INSTRUCTIONS = 500
export const MAX_TIP_MAJOR = 10_000
const boundedText = (max: number) => Schema.String.pipe(Schema.check(Schema.isMaxLength(max)))

export const CouponRef = Schema.Struct({ code: CouponCode })
export const Coupons = Schema.Array(CouponRef).pipe(Schema.check(Schema.isMaxLength(MAX_COUPONS)))

export const AddressSelection = Schema.Struct({
  shipping_address: Schema.optionalKey(Schema.Struct({ address_id: AddressId })),
  billing_address: Schema.optionalKey(
    Schema.Struct({
      same_as_shipping: Schema.optionalKey(Schema.Boolean),
      address_id: Schema.optionalKey(AddressId)
    })
  )
})
export type AddressSelection = typeof AddressSelection.Type

export const Tips = Schema.Struct({
  amount: amountBetween(0, MAX_TIP_MAJOR, "a tip"),
  currency: Currency,
  description: Schema.optionalKey(boundedText(200))
})
export type Tips = typeof Tips.Type

export const DeliveryOptionRef = Schema.Struct({ delivery_option_id: DeliveryOptionId })

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isCalendarDate = (text: string) => {
  const [year = 0, month = 0, day = 0] = text.split("-").map(Number)
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0)
  return day >= 1 && day <= days
}
const IsoDate = Schema.String.pipe(
  Schema.check(
    Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/u, { expected: "a date as YYYY-MM-DD" }),
    Schema.makeFilter<string>((text) => isCalendarDate(text) || "Expected a calendar date as YYYY-MM-DD", {
      toJsonSchema: () => ({ format: "date" })
    })
  )
)
export const Slot = Schema.Struct({ id: SlotId, label: Schema.optionalKey(boundedText(100)) })

export const ScheduledDelivery = Schema.Struct({ date: IsoDate, slot: Slot }).annotate({
  description: "A slot of the chosen delivery option, on today's date or later"
})

/**
 * Delivery as soon as possible: `{}`, an object as `scheduled` is. A record of no fields rather
 * than an empty struct, which would take any value that is not null (`true`, `"asap"`, `42`).
 */
export const ImmediateDelivery = Schema.Record(Schema.String, Schema.Never.annotate({ expected: "no field: immediate is {}" })).annotate({
  description: "Deliver as soon as possible: an empty object"
})

const present = (field: string) => ({ properties: { [field]: { type: "object" } }, required: [field] })

/** Exactly one of `scheduled` / `immediate`; the other may be absent or null, as in the seed. */
export const DeliveryPreference = Schema.Struct({
  scheduled: Schema.optionalKey(Schema.NullOr(ScheduledDelivery)),
  immediate: Schema.optionalKey(Schema.NullOr(ImmediateDelivery))
}).pipe(
  Schema.check(
    Schema.makeFilter((p) => (p.scheduled == null) !== (p.immediate == null) || "Expected exactly one of scheduled or immediate", {
      toJsonSchema: () => ({ oneOf: [present("scheduled"), present("immediate")] })
    })
  )
)
export type DeliveryPreference = typeof DeliveryPreference.Type

export const PickupPointRef = Schema.Struct({ pickup_point_id: PickupPointId })
export const PaymentMethodRef = Schema.Struct({ payment_method_id: PaymentMethodId })
/** The gift message limit is the option's own (`max_message_length`), checked against it. */
export const GiftWrapSelection = Schema.Struct({ id: GiftWrapId, message: Schema.optionalKey(boundedText(1000)) })
export const SpecialInstructions = Schema.Struct({ instructions: boundedText(MAX_INSTRUCTIONS) })

/** The options a cart carries; `PUT /cart` sends any subset of them. */
export const CartOptionsFields = {
  coupons: Schema.optionalKey(Coupons),
  address: Schema.optionalKey(AddressSelection),
  tips: Schema.optionalKey(Tips),
  delivery_option: Schema.optionalKey(DeliveryOptionRef),
  delivery_preference: Schema.optionalKey(DeliveryPreference),
  pickup_point: Schema.optionalKey(PickupPointRef),
  payment_method: Schema.optionalKey(PaymentMethodRef),
  gift_wrap: Schema.optionalKey(GiftWrapSelection),
  special_instructions: Schema.optionalKey(SpecialInstructions)
}
export const CartOptions = Schema.Struct(CartOptionsFields)
export type CartOptions = typeof CartOptions.Type
export type CartOptionName = keyof CartOptions
