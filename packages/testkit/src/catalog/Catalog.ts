import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Schema } from "effect"
import { Slot } from "@orchestra/core/domain/CartOptions"
import {
  AddressId,
  BundleId,
  CustomerId,
  DeliveryOptionId,
  DomainId,
  GiftWrapId,
  PaymentMethodId,
  PickupPointId,
  ProductId,
  StoreId,
  WalletId
} from "@orchestra/core/domain/Ids"
import { Currency, NonNegativeAmount, Rate } from "@orchestra/core/domain/Money"
import { CouponDefinition, Promotion } from "@orchestra/core/services/Marketing"
import { ProductAddon } from "@orchestra/core/services/Product"

/**
 * The sandbox's seed: stores, products with stock, promotions, coupons, fulfilment options,
 * customers with wallets and loyalty, and recommendation data. Amounts decode to minor units.
 */
export const CatalogStore = Schema.Struct({
  store_id: StoreId,
  name: Schema.String,
  active: Schema.Boolean,
  online: Schema.Boolean,
  tax_settings: Schema.Struct({ mode: Schema.Literals(["EXCLUSIVE", "INCLUSIVE"]), rate: Rate, label: Schema.String })
})

export const CatalogVariant = Schema.Struct({
  variant_id: Schema.String,
  name: Schema.String,
  price: NonNegativeAmount,
  stock: Schema.Int
})

export const CatalogProduct = Schema.Struct({
  product_id: ProductId,
  store_id: StoreId,
  name: Schema.String,
  status: Schema.Literals(["ACTIVE", "INACTIVE"]),
  max_per_order: Schema.optionalKey(Schema.Int),
  price: Schema.optionalKey(NonNegativeAmount),
  stock: Schema.optionalKey(Schema.Int),
  variants: Schema.optionalKey(Schema.Array(CatalogVariant)),
  addons: Schema.optionalKey(Schema.Array(ProductAddon))
})
export type CatalogProduct = typeof CatalogProduct.Type

export const CatalogCustomer = Schema.Struct({
  customer_id: CustomerId,
  name: Schema.String,
  addresses: Schema.Array(
    Schema.Struct({ address_id: AddressId, city: Schema.String, pincode: Schema.String, serviceable: Schema.Boolean })
  ),
  wallet: Schema.Struct({ wallet_id: WalletId, gateway: Schema.String, balance: NonNegativeAmount, otp: Schema.String }),
  loyalty: Schema.Struct({ points: Schema.Int, point_value: NonNegativeAmount }),
  wishlist: Schema.Array(ProductId),
  recently_viewed: Schema.Array(ProductId)
})
export type CatalogCustomer = typeof CatalogCustomer.Type

const ScoredCandidate = Schema.Struct({ product_id: ProductId, score: Schema.Finite, reason: Schema.optionalKey(Schema.String) })

export const Catalog = Schema.Struct({
  about: Schema.optionalKey(Schema.String),
  domain_id: DomainId,
  currency: Currency,
  stores: Schema.Array(CatalogStore),
  products: Schema.Array(CatalogProduct),
  promotions: Schema.Array(Promotion),
  coupons: Schema.Array(CouponDefinition),
  delivery_options: Schema.Array(
    Schema.Struct({
      delivery_option_id: DeliveryOptionId,
      name: Schema.String,
      charge_per_store: NonNegativeAmount,
      active: Schema.Boolean,
      slots: Schema.Array(Slot)
    })
  ),
  pickup_points: Schema.Array(Schema.Struct({ pickup_point_id: PickupPointId, name: Schema.String, active: Schema.Boolean })),
  gift_wraps: Schema.Array(
    Schema.Struct({
      id: GiftWrapId,
      name: Schema.String,
      price: NonNegativeAmount,
      active: Schema.Boolean,
      max_message_length: Schema.Int
    })
  ),
  payment_methods: Schema.Array(
    Schema.Struct({ payment_method_id: PaymentMethodId, type: Schema.String, active: Schema.Boolean })
  ),
  payment_gateways: Schema.Array(Schema.String),
  customers: Schema.Array(CatalogCustomer),
  recommendations: Schema.Struct({
    complementary: Schema.Record(ProductId, Schema.Array(ScoredCandidate)),
    upsells: Schema.Record(ProductId, Schema.Array(ScoredCandidate)),
    bundles: Schema.Array(
      Schema.Struct({
        bundle_id: BundleId,
        name: Schema.String,
        requires_product_ids: Schema.Array(ProductId),
        product_ids: Schema.Array(ProductId),
        bundle_price: NonNegativeAmount
      })
    )
  })
})
export type Catalog = typeof Catalog.Type

export const decodeCatalog = Schema.decodeUnknownSync(Catalog, { onExcessProperty: "error", errors: "all" })

export const demoCatalogPath = fileURLToPath(new URL("../../catalog/demo-catalog.json", import.meta.url))

/** The demo catalog shipped with the sandbox; tests that need other data seed their own. */
export const demoCatalog: Catalog = decodeCatalog(JSON.parse(readFileSync(demoCatalogPath, "utf8")))
