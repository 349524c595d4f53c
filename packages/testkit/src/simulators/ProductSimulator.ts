import { Effect } from "effect"
import { type ProductId, VariantId } from "@orchestra/core/domain/Ids"
import { Minor } from "@orchestra/core/domain/Money"
import type { Operations } from "@orchestra/core/services/Downstream"
import { type Product, type ProductGroup, ProductVariant } from "@orchestra/core/services/Product"
import type { Catalog, CatalogProduct } from "../catalog/Catalog.ts"

export interface ProductSimulator {
  readonly operations: Operations<typeof ProductGroup>
  /** The product as `search` would answer it now, or undefined for an unknown id. */
  readonly productOf: (productId: string) => Product | undefined
  /**
   * Changes a price at runtime (the incident "the price changed since the cart was computed").
   * A product with variants is priced per variant, so `variantId` is required for it.
   */
  readonly setPrice: (productId: string, variantId: string | undefined, price: number) => void
  readonly setStatus: (productId: string, status: Product["status"]) => void
}

/** The catalog entry without its stock: stock belongs to the inventory service. */
const toProduct = (p: CatalogProduct): Product => ({
  product_id: p.product_id,
  store_id: p.store_id,
  name: p.name,
  status: p.status,
  ...(p.max_per_order === undefined ? {} : { max_per_order: p.max_per_order }),
  ...(p.price === undefined ? {} : { price: p.price }),
  ...(p.variants === undefined
    ? {}
    : {
        variants: p.variants.map((v) =>
          ProductVariant.make({ variant_id: VariantId.make(v.variant_id), name: v.name, price: v.price })
        )
      }),
  ...(p.addons === undefined ? {} : { addons: p.addons })
})

export const makeProductSimulator = (catalog: Catalog): Effect.Effect<ProductSimulator> =>
  Effect.sync(() => {
    const products = new Map<string, Product>(catalog.products.map((p) => [p.product_id, toProduct(p)]))

    const existing = (productId: string): Product => {
      const product = products.get(productId)
      if (product === undefined) throw new Error(`ProductSimulator: unknown product ${productId}`)
      return product
    }

    const search = (ids: ReadonlyArray<ProductId>) =>
      Effect.sync(() => {
        const seen = new Set<string>()
        const found: Array<Product> = []
        for (const id of ids) {
          if (seen.has(id)) continue
          seen.add(id)
          const product = products.get(id)
          if (product !== undefined) found.push(product)
        }
        return { products: found }
      })

    return {
      operations: {
        search: ({ query }) => search(query.product_ids),
        searchMany: ({ payload }) => search(payload.product_ids)
      },
      productOf: (productId) => products.get(productId),
      setPrice: (productId, variantId, price) => {
        const product = existing(productId)
        const amount = Minor.make(price)
        if (amount < 0) throw new RangeError(`ProductSimulator: negative price ${price}`)
        if (variantId === undefined) {
          if (product.variants !== undefined) {
            throw new Error(`ProductSimulator: ${productId} is priced per variant; name the variant`)
          }
          products.set(productId, { ...product, price: amount })
          return
        }
        const variants = product.variants ?? []
        if (!variants.some((v) => v.variant_id === variantId)) {
          throw new Error(`ProductSimulator: unknown variant ${variantId} of ${productId}`)
        }
        products.set(productId, {
          ...product,
          variants: variants.map((v) => (v.variant_id === variantId ? { ...v, price: amount } : v))
        })
      },
      setStatus: (productId, status) => {
        products.set(productId, { ...existing(productId), status })
      }
    }
  })
