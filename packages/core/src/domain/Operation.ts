import { Schema } from "effect"
import { AddonId, ItemId, ProductId, VariantId } from "./Ids.ts"

export const MAX_OPERATIONS = 50
export const MAX_QUANTITY = 99
export const MAX_LINES = 100
export const MAX_ADDONS = 10

export const Quantity = Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: MAX_QUANTITY })))
const PositiveQuantity = Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: MAX_QUANTITY })))

export const AddonRef = Schema.Struct({ addon_id: AddonId })
export type AddonRef = typeof AddonRef.Type
export const AddonRefs = Schema.Array(AddonRef).pipe(Schema.check(Schema.isMaxLength(MAX_ADDONS)))

/** Sets the line of this product + variant + addon set to exactly `quantity`; 0 removes it. */
export const SetOperation = Schema.Struct({
  op: Schema.Literal("SET"),
  product_id: ProductId,
  variant_id: Schema.optionalKey(VariantId),
  quantity: Quantity,
  addons: Schema.optionalKey(AddonRefs)
})
/** Adds to the matching line, or creates it. Adding nothing is a malformed request, hence ≥ 1. */
export const AddOperation = Schema.Struct({
  op: Schema.Literal("ADD"),
  product_id: ProductId,
  variant_id: Schema.optionalKey(VariantId),
  quantity: PositiveQuantity,
  addons: Schema.optionalKey(AddonRefs)
})
export const UpdateOperation = Schema.Struct({ op: Schema.Literal("UPDATE"), item_id: ItemId, quantity: Quantity })
export const DeleteOperation = Schema.Struct({ op: Schema.Literal("DELETE"), item_id: ItemId })

export const Operation = Schema.Union([SetOperation, AddOperation, UpdateOperation, DeleteOperation]).pipe(
  Schema.toTaggedUnion("op")
)
export type Operation = typeof Operation.Type

export const Operations = Schema.Array(Operation).pipe(
  Schema.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_OPERATIONS))
)

export const OperationErrorCode = Schema.Literals([
  "PRODUCT_NOT_FOUND",
  "PRODUCT_INACTIVE",
  "VARIANT_REQUIRED",
  "VARIANT_NOT_FOUND",
  "ADDON_NOT_FOUND",
  "OUT_OF_STOCK",
  "QUANTITY_LIMIT",
  "STORE_OFFLINE",
  "ITEM_NOT_FOUND",
  "CART_FULL"
])
export type OperationErrorCode = typeof OperationErrorCode.Type

export const ActionTaken = Schema.Literals(["ADDED", "UPDATED", "REMOVED"])
export type ActionTaken = typeof ActionTaken.Type
