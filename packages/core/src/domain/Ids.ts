import { Schema } from "effect"

/**
 * Every id the outside world sends is bounded (≤ 128 characters) and printable, so it can be
 * put into keys, logs and URLs without escaping surprises. (The `u` flag lets the pattern go into
 * the OpenAPI document: Effect exports only patterns whose flags JSON Schema can express.)
 */
export const IdString = Schema.String.pipe(
  Schema.check(
    Schema.isMinLength(1),
    Schema.isMaxLength(128),
    Schema.isPattern(/^[A-Za-z0-9_.:@-]+$/u, { expected: "an id of letters, digits and _ . : @ -" })
  )
)

export const DomainId = IdString.pipe(Schema.brand("DomainId"))
export type DomainId = typeof DomainId.Type
export const CustomerId = IdString.pipe(Schema.brand("CustomerId"))
export type CustomerId = typeof CustomerId.Type
export const SessionId = IdString.pipe(Schema.brand("SessionId"))
export type SessionId = typeof SessionId.Type
export const CartId = IdString.pipe(Schema.brand("CartId"))
export type CartId = typeof CartId.Type
export const ItemId = IdString.pipe(Schema.brand("ItemId"))
export type ItemId = typeof ItemId.Type
export const ProductId = IdString.pipe(Schema.brand("ProductId"))
export type ProductId = typeof ProductId.Type
export const VariantId = IdString.pipe(Schema.brand("VariantId"))
export type VariantId = typeof VariantId.Type
export const AddonId = IdString.pipe(Schema.brand("AddonId"))
export type AddonId = typeof AddonId.Type
export const StoreId = IdString.pipe(Schema.brand("StoreId"))
export type StoreId = typeof StoreId.Type
export const CouponCode = IdString.pipe(Schema.brand("CouponCode"))
export type CouponCode = typeof CouponCode.Type
export const PromotionId = IdString.pipe(Schema.brand("PromotionId"))
export type PromotionId = typeof PromotionId.Type
export const AddressId = IdString.pipe(Schema.brand("AddressId"))
export type AddressId = typeof AddressId.Type
export const DeliveryOptionId = IdString.pipe(Schema.brand("DeliveryOptionId"))
export type DeliveryOptionId = typeof DeliveryOptionId.Type
export const SlotId = IdString.pipe(Schema.brand("SlotId"))
export type SlotId = typeof SlotId.Type
export const PickupPointId = IdString.pipe(Schema.brand("PickupPointId"))
export type PickupPointId = typeof PickupPointId.Type
export const PaymentMethodId = IdString.pipe(Schema.brand("PaymentMethodId"))
export type PaymentMethodId = typeof PaymentMethodId.Type
export const GiftWrapId = IdString.pipe(Schema.brand("GiftWrapId"))
export type GiftWrapId = typeof GiftWrapId.Type
export const OrderId = IdString.pipe(Schema.brand("OrderId"))
export type OrderId = typeof OrderId.Type
export const PaymentId = IdString.pipe(Schema.brand("PaymentId"))
export type PaymentId = typeof PaymentId.Type
export const ReservationId = IdString.pipe(Schema.brand("ReservationId"))
export type ReservationId = typeof ReservationId.Type
export const WalletId = IdString.pipe(Schema.brand("WalletId"))
export type WalletId = typeof WalletId.Type
export const BundleId = IdString.pipe(Schema.brand("BundleId"))
export type BundleId = typeof BundleId.Type
