import { describe, expect, it } from "@effect/vitest"
import { DownstreamFailure } from "@orchestra/core/services/DownstreamErrors"
import { OrderService } from "@orchestra/core/services/Order"
import { Fault } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { Sandbox, SandboxDownstreams } from "@orchestra/testkit/sandbox/Sandbox"
import { Duration, Effect, Layer, Schema } from "effect"
import { SANDBOX_WEBHOOK_SECRET, signWebhook } from "../src/middleware/WebhookSignature.ts"
import { codOrder, netPayableOf, orchestraTestServer, readyCart } from "./support/orchestra.ts"
import { waitUntil } from "./support/processes.ts"
import { send } from "./support/server.ts"

/**
 * The order service answers 503 to the first `failures` attempts to record an order CONFIRMED:
 * phase 2 fails after the stock was deducted, for more than one try of the step (and fewer than the
 * five in a row that would open the order service's breaker).
 */
const confirmationFailing = (failures: number) => {
  // Three attempts (the first and two retries) make one try of the step.
  const world = Layer.merge(Sandbox.layer, FaultInjector.layer)
  const order = Layer.effect(
    OrderService,
    Effect.gen(function* () {
      const operations = (yield* Sandbox).simulators.order.operations
      let left = failures
      return OrderService.of({
        ...operations,
        // Decided per attempt (a retry runs the same effect again), not when the call is built.
        setPaymentStatus: (request) =>
          Effect.suspend((): ReturnType<OrderService["Service"]["setPaymentStatus"]> =>
            request.payload.order_status === "CONFIRMED" && left-- > 0
              ? Effect.fail(
                  new DownstreamFailure({ service: "order", endpoint: "setPaymentStatus", reason: "Status", status: 503, message: "answered HTTP 503" })
                )
              : operations.setPaymentStatus(request)
          )
      })
    })
  )
  // The later layer of a merge wins: this order service replaces the sandbox's.
  return { world, downstreams: Layer.merge(SandboxDownstreams, order).pipe(Layer.provide(world)) }
}

const Answer = Schema.Struct({
  order: Schema.Struct({ id: Schema.String, order_status: Schema.String, payment_status: Schema.String }),
  payment: Schema.Array(Schema.Struct({ amount: Schema.Number, gateway_order_id: Schema.optional(Schema.String) }))
})

const orderStatus = (orderId: string) =>
  Effect.gen(function* () {
    const { simulators } = yield* Sandbox
    return simulators.order.orderById(orderId)?.order_status
  })

/** Place-order under one key until it has an answer: a checkout still running answers 409 IDEMPOTENCY_IN_PROGRESS. */
const placeUntilAnswered = (order: { readonly headers: Record<string, string>; readonly body: unknown }) =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < 60; attempt++) {
      const answer = yield* send("POST", "/cart/place-order", order)
      if (answer.status !== 409) return answer
      expect(answer.json).toMatchObject({ error: { code: "IDEMPOTENCY_IN_PROGRESS" } })
      yield* Effect.sleep(Duration.seconds(Number(answer.headers["retry-after"] ?? "1")))
    }
    return yield* Effect.die(new Error("the checkout never answered"))
  })

describe("phase 2 after the stock is deducted only goes forward", () => {
  it.live("COD: the confirmation fails again and again; the order is confirmed once it goes through, never cancelled", () => {
    const { world, downstreams } = confirmationFailing(4)
    return Effect.gen(function* () {
      const { simulators } = yield* Sandbox
      const headers = { "x-domain-id": "dom_demo", "x-customer-id": `cust_forward_${crypto.randomUUID()}` }
      const ready = yield* readyCart(headers, 2)
      const stock = simulators.inventory.stockOf("prod_screen")
      const order = { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: codOrder(netPayableOf(ready)) }
      const placed = yield* placeUntilAnswered(order)
      expect(placed.status).toBe(200)
      const answer = Schema.decodeUnknownSync(Answer)(placed.json)
      expect(answer.order).toMatchObject({ order_status: "CONFIRMED", payment_status: "SUCCESS" })
      expect(yield* orderStatus(answer.order.id)).toBe("CONFIRMED")
      expect(simulators.inventory.stockOf("prod_screen")).toBe(stock - 2)
      expect(simulators.payment.payments().filter((p) => p.payment.order_id === answer.order.id).map((p) => p.payment.status)).toEqual(["SUCCESS"])
      // The retry of a client that did not see the answer gets it again, not "no cart".
      const again = yield* send("POST", "/cart/place-order", order)
      expect(again.headers["idempotent-replayed"]).toBe("true")
      expect(again.json).toEqual(placed.json)
    }).pipe(Effect.provide(Layer.merge(orchestraTestServer({}, undefined, { downstreams }), world)))
  })

  it.live("GATEWAY: the webhook's phase 2 fails the same way; the paid order is confirmed, never cancelled", () => {
    const { world, downstreams } = confirmationFailing(4)
    return Effect.gen(function* () {
      const { simulators } = yield* Sandbox
      const headers = { "x-domain-id": "dom_demo", "x-customer-id": `cust_forward_${crypto.randomUUID()}` }
      const ready = yield* readyCart(headers, 1)
      const placed = yield* send("POST", "/cart/place-order", {
        headers: { ...headers, "idempotency-key": crypto.randomUUID() },
        body: {
          payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" }],
          total_order_amount: netPayableOf(ready)
        }
      })
      const answer = Schema.decodeUnknownSync(Answer)(placed.json)
      const payment = answer.payment[0]!
      yield* simulators.payment.settleGateway(payment.gateway_order_id!, "SUCCESS")
      const deliver = (eventId: string) => {
        const raw = JSON.stringify({ event_id: eventId, gateway_order_id: payment.gateway_order_id, status: "SUCCESS", amount: payment.amount, currency: "INR" })
        return send("POST", "/payments/webhooks/phonepe", { headers: signWebhook(SANDBOX_WEBHOOK_SECRET, Math.floor(Date.now() / 1000), raw), body: raw })
      }
      const eventId = crypto.randomUUID()
      const first = yield* deliver(eventId)
      expect(first.status).toBe(200)
      expect(first.json).toMatchObject({ success: true, duplicate: false, order_id: answer.order.id })

      yield* waitUntil("the order to be confirmed", Effect.map(orderStatus(answer.order.id), (status) => status === "CONFIRMED"), 100, 100)
      expect(simulators.payment.paymentByGatewayOrderId(payment.gateway_order_id!)?.status).toBe("SUCCESS")
      expect((yield* deliver(eventId)).json).toMatchObject({ duplicate: true, outcome: "COMPLETED" })
    }).pipe(Effect.provide(Layer.merge(orchestraTestServer({}, undefined, { downstreams }), world)))
  })
})

describe("a place-order retried after its checkout was rolled back", () => {
  it.live("gets the same failure again (replayed), not a second attempt; a new key then places the order", () => {
    const world = Layer.merge(Sandbox.layer, FaultInjector.layer)
    return Effect.gen(function* () {
      const { simulators } = yield* Sandbox
      const injector = yield* FaultInjector
      const headers = { "x-domain-id": "dom_demo", "x-customer-id": `cust_retry_${crypto.randomUUID()}` }
      const ready = yield* readyCart(headers, 1)
      const order = { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: codOrder(netPayableOf(ready)) }

      // Sub-orders fail for the whole step: the master order is cancelled, the reservation released.
      yield* injector.add({ target: "order.createSubOrders", fault: Fault.Error({ status: 500 }), rate: 1 })
      const first = yield* placeUntilAnswered(order)
      expect(first.status).toBe(502)
      yield* injector.clear

      const retried = yield* send("POST", "/cart/place-order", order)
      expect(retried.status).toBe(502)
      expect(retried.headers["idempotent-replayed"]).toBe("true")
      expect(retried.json).toMatchObject({ success: false, error: { code: "DOWNSTREAM_ERROR", service: "order" } })

      const placed = yield* send("POST", "/cart/place-order", { ...order, headers: { ...headers, "idempotency-key": crypto.randomUUID() } })
      expect(placed.json).toMatchObject({ success: true, order: { order_status: "CONFIRMED" } })
      const statuses = simulators.order.orders().filter((entry) => entry.owner.customer_id === headers["x-customer-id"]).map((entry) => entry.order.order_status)
      expect(statuses).toEqual(["CANCELLED", "CONFIRMED"])
    }).pipe(Effect.provide(Layer.merge(orchestraTestServer({}, undefined, { downstreams: SandboxDownstreams.pipe(Layer.provide(world)) }), world)))
  })
})
