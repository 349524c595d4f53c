/**
 * The demo catalog's customer journeys through the public API, named by the document's
 * operation ids. One source for three things: the examples of the OpenAPI document (recorded from
 * the sandbox by `scripts/recordExamples.ts`), the Postman collection `orchestra openapi --format
 * postman` writes, and the order both are run in by CI (`scripts/contractTests.ts`).
 */

/** A value taken from an earlier answer: `{{name}}` in Postman, the recorded value in the document. */
export interface Carried {
  readonly carried: string
  readonly type: "number" | "string"
}
export const carried = (name: string, type: Carried["type"] = "number"): Carried => ({ carried: name, type })
export const isCarried = (value: unknown): value is Carried =>
  typeof value === "object" && value !== null && "carried" in value && typeof value.carried === "string"

/** A fresh value per run, made by the client (an event id): `{{name}}` in Postman. */
export interface Fresh {
  readonly fresh: string
}
export const fresh = (name: string): Fresh => ({ fresh: name })
export const isFresh = (value: unknown): value is Fresh =>
  typeof value === "object" && value !== null && "fresh" in value && typeof value.fresh === "string"

export interface JourneyStep {
  readonly name: string
  /** The operation, as the document's operationId. */
  readonly operationId: string
  /** The example's key in the document (several steps may show one operation). */
  readonly example: string
  readonly params?: Readonly<Record<string, string>>
  readonly query?: Readonly<Record<string, string>>
  readonly body?: unknown
  readonly status: number
  /** Values the next steps use: variable name → dotted path in this step's answer. */
  readonly carries?: Readonly<Record<string, string>>
}

export interface Journey {
  readonly name: string
  readonly description: string
  readonly steps: ReadonlyArray<JourneyStep>
}

/** The owner every journey runs as: the demo catalog's customer Asha. */
export const demoIdentity = { domainId: "dom_demo", customerId: "cust_1" } as const

export const demoJourneys: ReadonlyArray<Journey> = [
  {
    name: "1 Cart to a cash-on-delivery order",
    description: "Fill the cart, read it, choose address, delivery, coupon and tip, look at suggestions, place the order (COD completes at once).",
    steps: [
      {
        name: "Set a phone (128 GB) and two cases",
        operationId: "cart.addItems",
        example: "phoneAndCases",
        body: {
          operations: [
            { op: "SET", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 },
            { op: "SET", product_id: "prod_case", quantity: 2 }
          ]
        },
        status: 200
      },
      { name: "Get the cart, recomputed", operationId: "cart.getCart", example: "computed", status: 200 },
      { name: "Get the cached cart", operationId: "cart.getCart", example: "cached", query: { compute: "false" }, status: 200 },
      {
        name: "Choose address, delivery, coupon and tip",
        operationId: "cart.updateOptions",
        example: "deliveryCouponTip",
        body: {
          coupons: [{ code: "SAVE20" }],
          address: { shipping_address: { address_id: "addr_456" }, billing_address: { same_as_shipping: true } },
          delivery_option: { delivery_option_id: "deliv_opt_123" },
          delivery_preference: { immediate: {} },
          tips: { amount: 20, currency: "INR", description: "Thank you tip" }
        },
        status: 200,
        carries: { netPayable: "cart.totals.net_payable" }
      },
      { name: "Suggestions for the cart", operationId: "checkout.suggestions", example: "phoneAndCases", status: 200 },
      {
        name: "Place the order, cash on delivery",
        operationId: "checkout.placeOrder",
        example: "cashOnDelivery",
        body: {
          payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }],
          total_order_amount: carried("netPayable"),
          order_initiated_from: "WEB",
          device: { type: "DESKTOP", fingerprint: "fp_hash_456" }
        },
        status: 200
      }
    ]
  },
  {
    name: "2 Delete a cart",
    description: "Add a line without recomputing (the lightweight variant), then delete the cart.",
    steps: [
      {
        name: "Set a screen protector, without recomputing",
        operationId: "cart.addItems",
        example: "lite",
        query: { compute: "false" },
        body: { operations: [{ op: "SET", product_id: "prod_screen", quantity: 1 }] },
        status: 200
      },
      { name: "Delete the cart", operationId: "cart.deleteCart", example: "deleted", status: 200 }
    ]
  },
  {
    name: "3 Buy now, pay at the gateway",
    description: "Buy one item now, pick it up, pay with PhonePe; the gateway's signed webhook completes the order.",
    steps: [
      {
        name: "Buy a T-shirt (M) now",
        operationId: "cart.buyNow",
        example: "tshirt",
        body: { operations: [{ op: "ADD", product_id: "prod_tshirt", variant_id: "var_m", quantity: 1 }] },
        status: 200
      },
      {
        name: "Pick it up at the hub",
        operationId: "cart.updateOptions",
        example: "pickup",
        query: { cart_type: "BUY_NOW" },
        body: { pickup_point: { pickup_point_id: "pickup_1" } },
        status: 200,
        // Buy-now and PUT /cart answer the priced cart: the order is placed from it, with no GET between.
        carries: { netPayable: "cart.totals.net_payable" }
      },
      {
        name: "Place the order, pay with PhonePe",
        operationId: "checkout.placeOrder",
        example: "gateway",
        query: { cart_type: "BUY_NOW" },
        body: {
          payment_instruction: [
            { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE", client_callback_url: "https://shop.example/checkout/done" }
          ],
          total_order_amount: carried("netPayable")
        },
        status: 200,
        carries: { gatewayOrderId: "payment.0.gateway_order_id", gatewayAmount: "payment.0.amount" }
      },
      {
        name: "PhonePe confirms the payment",
        operationId: "webhooks.paymentWebhook",
        example: "success",
        params: { gateway: "phonepe" },
        body: {
          event_id: fresh("eventId"),
          gateway_order_id: carried("gatewayOrderId", "string"),
          status: "SUCCESS",
          amount: carried("gatewayAmount"),
          currency: "INR"
        },
        status: 200
      }
    ]
  },
  {
    name: "4 Operations",
    description: "Probes and metrics.",
    steps: [
      { name: "Liveness", operationId: "ops.health", example: "ok", status: 200 },
      { name: "Readiness", operationId: "ops.ready", example: "ok", status: 200 },
      { name: "Metrics", operationId: "ops.metrics", example: "text", status: 200 }
    ]
  }
]
