import { Duration, Effect, Layer, Option, type Redacted, Schema } from "effect"
import { type CheckoutEngineConfigShape, checkoutEnginePostgres } from "@orchestra/core/checkout/CheckoutEngine"
import { CheckoutFlows } from "@orchestra/core/checkout/CheckoutFlows"
import { PlaceOrderRequest } from "@orchestra/core/checkout/PlaceOrderRequest"
import { fingerprintOf } from "@orchestra/core/domain/IdempotencyKey"
import { Operations } from "@orchestra/core/domain/Operation"
import type { Owner } from "@orchestra/core/domain/Owner"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { CartLock } from "@orchestra/core/stores/CartLock"
import { UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { sandboxFlows } from "./SandboxEnvironment.ts"

/** The engine as a server runs it by default, polling often enough for a test, on a runner identity of its own. */
export const testEngineSettings = (url: Redacted.Redacted<string>): CheckoutEngineConfigShape => ({
  databaseUrl: Option.some(url),
  paymentWindow: Duration.seconds(900),
  retention: Duration.days(30),
  pollInterval: Duration.millis(100),
  shardLockExpiration: Duration.seconds(35),
  shutdownTimeout: Duration.seconds(1),
  runnerAddress: Option.none()
})

/**
 * The sandbox's flows with the checkout workflow engine and its registry in the PostgreSQL
 * database at `url`: checkouts as a server with `DATABASE_URL` runs them, without HTTP.
 */
export const sandboxFlowsOnPostgres = (url: Redacted.Redacted<string>) =>
  sandboxFlows().pipe(Layer.provideMerge(Layer.mergeAll(CartCache.layerMemory, CartLock.layerMemory, checkoutEnginePostgres(url, testEngineSettings(url)))))

const asRequest = <A, E, R>(flow: Effect.Effect<A, E, R | RequestContext>) =>
  Effect.flatMap(RequestContext.make({ requestId: `req_${crypto.randomUUID()}`, deadlineMs: 60_000 }), (context) =>
    Effect.provideService(flow, RequestContext, context)
  )

export interface SandboxOrder {
  readonly owner: Owner
  /** The client's `Idempotency-Key`. */
  readonly key: string
  /** COD completes at once; GATEWAY waits for the gateway's webhook within the payment window. */
  readonly payment: "COD" | "GATEWAY"
  /** Sends a total that is not the cart's: the checkout is refused (CART_CHANGED) before anything is created. */
  readonly misstatedTotal?: boolean
}

/**
 * One screen protector picked up at the hub, placed as the gateway would send it: a real checkout
 * through the flows and the engine. Answers what the client would get.
 */
export const placeSandboxOrder = (order: SandboxOrder) =>
  Effect.gen(function* () {
    const carts = yield* CartFlows
    const checkout = yield* CheckoutFlows
    const scope = { owner: order.owner, cartType: "DEFAULT" as const }
    yield* asRequest(
      carts.itemsFull({ ...scope, request: { operations: Schema.decodeUnknownSync(Operations)([{ op: "ADD", product_id: "prod_screen", quantity: 1 }]) } })
    )
    const ready = yield* asRequest(
      carts.updateOptions({ ...scope, request: Schema.decodeUnknownSync(UpdateOptionsRequest)({ pickup_point: { pickup_point_id: "pickup_1" } }) })
    )
    const net = ready.cart.totals.net_payable + (order.misstatedTotal === true ? 100 : 0)
    const request = Schema.decodeUnknownSync(PlaceOrderRequest)({
      payment_instruction: [
        order.payment === "COD"
          ? { full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }
          : { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" }
      ],
      total_order_amount: net / 100
    })
    const body = JSON.stringify(Schema.encodeSync(PlaceOrderRequest)(request))
    return yield* asRequest(
      checkout.placeOrder({ ...scope, request, idempotencyKey: order.key, fingerprint: fingerprintOf("POST", "/cart/place-order", body) })
    )
  })
