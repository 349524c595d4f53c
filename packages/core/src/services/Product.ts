import { Context, Schema, SchemaTransformation } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { AddonId, ProductId, StoreId, VariantId } from "../domain/Ids.ts"
import { NonNegativeAmount } from "../domain/Money.ts"
import { type Client, liveLayer } from "./Downstream.ts"

export const ProductVariant = Schema.Struct({ variant_id: VariantId, name: Schema.String, price: NonNegativeAmount })
export const ProductAddon = Schema.Struct({ addon_id: AddonId, name: Schema.String, price: NonNegativeAmount })

/** A product as the product service knows it now: the source of every price the cart uses. */
export const Product = Schema.Struct({
  product_id: ProductId,
  store_id: StoreId,
  name: Schema.String,
  status: Schema.Literals(["ACTIVE", "INACTIVE"]),
  max_per_order: Schema.optionalKey(Schema.Int),
  /** Set on products without variants; a product with variants is priced per variant. */
  price: Schema.optionalKey(NonNegativeAmount),
  variants: Schema.optionalKey(Schema.Array(ProductVariant)),
  addons: Schema.optionalKey(Schema.Array(ProductAddon))
})
export type Product = typeof Product.Type

export const ProductSearchResult = Schema.Struct({ products: Schema.Array(Product) })

/** `?product_ids=a,b,c` on the wire, a list of ids in code. */
const ProductIdList = Schema.String.pipe(
  Schema.decodeTo(
    Schema.Array(ProductId),
    SchemaTransformation.transform({
      decode: (s: string): ReadonlyArray<string> => s.split(",").filter((id) => id.length > 0),
      encode: (ids: ReadonlyArray<string>) => ids.join(",")
    })
  )
)

export const ProductGroup = HttpApiGroup.make("product")
    .add(
      HttpApiEndpoint.get("search", "/api/products/search", {
        query: { product_ids: ProductIdList },
        success: ProductSearchResult
      })
    )
    // The suggestions flow searches many candidates at once (seed step 7), so it posts the list.
    .add(
      HttpApiEndpoint.post("searchMany", "/api/products/search", {
        payload: Schema.Struct({ product_ids: Schema.Array(ProductId) }),
        success: ProductSearchResult
      })
    )

export const ProductApi = HttpApi.make("product").add(ProductGroup)

export class ProductService extends Context.Service<ProductService, Client<typeof ProductGroup>>()(
  "orchestra/ProductService"
) {
  static readonly layer = liveLayer(ProductService, ProductApi, "product")
}
