import { Effect, Schema } from "effect"
import { Fault } from "@orchestra/testkit/faults/Fault"
import type { FixtureIdentity, FixtureRequest, FlowName } from "@orchestra/testkit/replay/Fixture"
import type { SandboxTarget } from "./SandboxTarget.ts"

/** How to record one shipped fixture from the sandbox: the request, its setup, and any incident. */
export interface FixtureRecipe {
  readonly file: string
  readonly flow: FlowName
  readonly description: string
  readonly request: FixtureRequest
  readonly setup: ReadonlyArray<{ readonly flow: FlowName; readonly request: FixtureRequest }>
  /** Breaks something in the sandbox after the setup: the incident the fixture shows. */
  readonly stage?: (target: SandboxTarget) => Effect.Effect<void>
  /** The request from the setup's responses, when it depends on them. */
  readonly requestAfterSetup?: (responses: ReadonlyArray<unknown>) => Effect.Effect<FixtureRequest, string>
}

const asha: FixtureIdentity = { domain_id: "dom_demo", customer_id: "cust_1" }
const ravi: FixtureIdentity = { domain_id: "dom_demo", customer_id: "cust_2" }

const request = (identity: FixtureIdentity, body?: unknown, idempotencyKey?: string): FixtureRequest => ({
  ...(body === undefined ? {} : { body }),
  query: {},
  identity,
  ...(idempotencyKey === undefined ? {} : { idempotency_key: idempotencyKey })
})

const phoneAndCases = {
  operations: [
    { op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 },
    { op: "SET", product_id: "prod_case", quantity: 2 }
  ]
}

const addItems = (identity: FixtureIdentity, body: unknown) => ({ flow: "items-full" as const, request: request(identity, body) })
const options = (identity: FixtureIdentity, body: unknown) => ({ flow: "update-options" as const, request: request(identity, body) })

const cartTotal = Schema.Struct({ cart: Schema.Struct({ totals: Schema.Struct({ net_payable: Schema.Number }) }) })

/**
 * Cash on delivery for exactly what the cart came to in the last setup response: the total a
 * customer would have seen and sent.
 */
const codFor =
  (identity: FixtureIdentity, idempotencyKey: string) =>
  (responses: ReadonlyArray<unknown>): Effect.Effect<FixtureRequest, string> =>
    Schema.decodeUnknownEffect(cartTotal)(responses.at(-1)).pipe(
      Effect.mapError((error) => `the last setup response has no cart total: ${error.message}`),
      Effect.map((response) =>
        request(
          identity,
          {
            payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }],
            total_order_amount: response.cart.totals.net_payable,
            order_initiated_from: "WEB",
            device: { type: "web", fingerprint: "fp_fixture" }
          },
          idempotencyKey
        )
      )
    )

/**
 * Every shipped fixture of `packages/testkit/fixtures`: one per flow, then the incidents a support
 * engineer meets. `orchestra fixtures record` replays these against a fresh sandbox each.
 */
export const fixtureRecipes: ReadonlyArray<FixtureRecipe> = [
  {
    file: "items-full.json",
    flow: "items-full",
    description: "Asha adds a phone and two cases: the combo promotion takes 10% off the cases",
    request: request(asha, phoneAndCases),
    setup: []
  },
  {
    file: "items-lite.json",
    flow: "items-lite",
    description: "The lightweight add: operations applied, nothing validated or recomputed",
    request: request(asha, phoneAndCases),
    setup: []
  },
  {
    file: "update-options.json",
    flow: "update-options",
    description: "Coupon, shipping address, standard delivery, UPI and a gift wrap on a phone-and-cases cart",
    request: request(asha, {
      coupons: [{ code: "SAVE20" }],
      address: { shipping_address: { address_id: "addr_456" }, billing_address: { same_as_shipping: true } },
      delivery_option: { delivery_option_id: "deliv_opt_123" },
      delivery_preference: { immediate: {} },
      payment_method: { payment_method_id: "pay_method_789" },
      gift_wrap: { id: "gift_wrap_standard", message: "Happy birthday!" },
      tips: { amount: 20, currency: "INR" }
    }),
    setup: [addItems(asha, phoneAndCases)]
  },
  {
    file: "get-cart.json",
    flow: "get-cart",
    description: "The full GET of a cart with a delivery option: prices, stock, stores, shipping, promotions, coupons re-read",
    request: request(asha),
    setup: [
      addItems(asha, phoneAndCases),
      options(asha, {
        coupons: [{ code: "SAVE20" }],
        address: { shipping_address: { address_id: "addr_456" } },
        delivery_option: { delivery_option_id: "deliv_opt_123" }
      })
    ]
  },
  {
    file: "get-cart-cached.json",
    flow: "get-cart-cached",
    description: "The cached GET in a fresh process: a cache miss, so the cart is read from the cart service",
    request: request(asha),
    setup: [addItems(asha, phoneAndCases)]
  },
  {
    file: "delete-cart.json",
    flow: "delete-cart",
    description: "Deleting a cart: the cart, its cache entry and its inventory reservations",
    request: request(asha),
    setup: [addItems(asha, phoneAndCases)]
  },
  {
    file: "buy-now.json",
    flow: "buy-now",
    description: "Buy now: earbuds straight into the BUY_NOW cart",
    request: request(asha, { operations: [{ op: "ADD", product_id: "prod_earbuds", quantity: 1 }] }),
    setup: []
  },
  {
    file: "place-order.json",
    flow: "place-order",
    description: "Checkout with cash on delivery at a pickup point: reserved, ordered, confirmed at once",
    request: request(ravi, undefined, "fixture-place-order"),
    setup: [
      addItems(ravi, { operations: [{ op: "ADD", product_id: "prod_case", quantity: 2 }] }),
      options(ravi, { pickup_point: { pickup_point_id: "pickup_1" } })
    ],
    requestAfterSetup: codFor(ravi, "fixture-place-order")
  },
  {
    file: "suggestions.json",
    flow: "suggestions",
    description: "Suggestions for a phone-and-cases cart: complementary, bundles, upsells, threshold offers, reminders",
    request: request(asha),
    setup: [addItems(asha, phoneAndCases)]
  },
  {
    file: "incident-coupon-expired.json",
    flow: "place-order",
    description: "Incident: SAVE20 was valid when applied and expired before checkout: the order is refused with COUPON_INVALID",
    request: request(asha, undefined, "fixture-coupon-expired"),
    setup: [
      addItems(asha, phoneAndCases),
      options(asha, { coupons: [{ code: "SAVE20" }], pickup_point: { pickup_point_id: "pickup_1" } })
    ],
    stage: ({ sandbox }) => sandbox.simulators.marketing.expireCoupon("SAVE20"),
    requestAfterSetup: codFor(asha, "fixture-coupon-expired")
  },
  {
    file: "incident-store-offline.json",
    flow: "get-cart",
    description: "Incident: the store selling the mug went offline after it was added: the cart says STORE_OFFLINE",
    request: request(ravi),
    setup: [
      addItems(ravi, {
        operations: [
          { op: "ADD", product_id: "prod_mug", quantity: 1 },
          { op: "ADD", product_id: "prod_case", quantity: 1 }
        ]
      })
    ],
    stage: ({ sandbox }) => Effect.sync(() => sandbox.simulators.sellerAdmin.setStoreOnline("store_456", false))
  },
  {
    file: "incident-inventory-timeout.json",
    flow: "items-full",
    description: "Incident: inventory never answered: three attempts of 1 s each, then DOWNSTREAM_TIMEOUT",
    request: request(asha, { operations: [{ op: "ADD", product_id: "prod_powerbank", quantity: 1 }] }),
    setup: [],
    stage: ({ injector }) => injector.set([{ target: "inventory.checkAvailability", fault: Fault.Timeout(), rate: 1 }])
  },
  {
    file: "incident-price-changed.json",
    flow: "place-order",
    description: "Incident: the case went from 299 to 349 after the cart was computed: the order is refused with PRICE_CHANGED",
    request: request(ravi, undefined, "fixture-price-changed"),
    setup: [
      addItems(ravi, { operations: [{ op: "ADD", product_id: "prod_case", quantity: 2 }] }),
      options(ravi, { pickup_point: { pickup_point_id: "pickup_1" } })
    ],
    stage: ({ sandbox }) => Effect.sync(() => sandbox.simulators.product.setPrice("prod_case", undefined, 34_900)),
    requestAfterSetup: codFor(ravi, "fixture-price-changed")
  }
]
