import { type Catalog, decodeCatalog } from "@orchestra/testkit/catalog/Catalog"

/** The tenant every bench request names in `x-domain-id`. */
export const BENCH_DOMAIN = "dom_bench"
export const PICKUP_POINT = "pickup_1"

/** Enough distinct products for the largest cart the design allows (100 lines). */
export const PRODUCT_COUNT = 120

export const productId = (index: number) => `bp_${String(index).padStart(3, "0")}`

const stores = [
  { store_id: "store_a", name: "Bench A", active: true, online: true, tax_settings: { mode: "EXCLUSIVE", rate: 0.05, label: "GST 5%" } },
  { store_id: "store_b", name: "Bench B", active: true, online: true, tax_settings: { mode: "INCLUSIVE", rate: 0.12, label: "GST 12% (included)" } },
  { store_id: "store_c", name: "Bench C", active: true, online: true, tax_settings: { mode: "EXCLUSIVE", rate: 0.18, label: "GST 18%" } }
]

/**
 * The sandbox's seed for benchmarks: the demo catalog's shape, but 120 products over three
 * online stores with stock that a sustained place-order load cannot exhaust, and a COMBO
 * promotion so every computation prices a discount. The demo catalog has ten products and stock
 * in the tens, which allows neither a 100-line cart nor thousands of orders.
 */
export const benchCatalog: Catalog = decodeCatalog({
  about: "Benchmark seed (packages/bench): large stock, 120 products, 3 stores.",
  domain_id: BENCH_DOMAIN,
  currency: "INR",
  stores,
  products: Array.from({ length: PRODUCT_COUNT }, (_, i) => ({
    product_id: productId(i),
    store_id: stores[i % stores.length]!.store_id,
    name: `Bench product ${i}`,
    status: "ACTIVE",
    max_per_order: 99,
    price: 100 + i + 0.5,
    stock: 1_000_000_000
  })),
  promotions: [
    {
      promotion_id: "promo_bench_combo",
      type: "COMBO",
      title: "Product 0 + product 1 combo: 10% off product 1",
      requires_product_ids: [productId(0)],
      target_product_ids: [productId(1)],
      percent: 10
    }
  ],
  coupons: [],
  delivery_options: [
    { delivery_option_id: "deliv_bench", name: "Standard", charge_per_store: 50, active: true, slots: [] }
  ],
  pickup_points: [{ pickup_point_id: PICKUP_POINT, name: "Bench Pickup Hub", active: true }],
  gift_wraps: [],
  payment_methods: [],
  payment_gateways: ["PHONEPE", "RAZORPAY"],
  customers: [],
  recommendations: { complementary: {}, upsells: {}, bundles: [] }
})
