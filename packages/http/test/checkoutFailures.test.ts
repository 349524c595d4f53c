import { describe, expect, it } from "@effect/vitest"
import { DownstreamFailure } from "@orchestra/core/services/DownstreamErrors"
import { OrderService } from "@orchestra/core/services/Order"
import { Fault } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { Sandbox, SandboxDownstreams } from "@orchestra/testkit/sandbox/Sandbox"
import { Effect, Layer, Schema } from "effect"
import { SANDBOX_WEBHOOK_SECRET, signWebhook } from "../src/middleware/WebhookSignature.ts"
import { makeLogCapture } from "./support/logs.ts"
import { codOrder, netPayableOf, orchestraTestServer, readyCart } from "./support/orchestra.ts"
import { waitUntil } from "./support/processes.ts"
import { send } from "./support/server.ts"

/**
 * The order service answers 503 to the first `failures` attempts to record an order CONFIRMED:
 * phase 2 fails after the stock was deducted and the cart removed, for as long as the request lasts.
 */
const confirmationFailing = (failures: number) => {
  // Three attempts (the first and two retries) are all one request makes.
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

describe("phase 2 after the stock is deducted only goes forward", () => {
  it.live("COD: the confirmation fails for the whole request; the order stands and is confirmed in the background", () => {
    const { world, downstreams } = confirmationFailing(3)
    const logs = makeLogCapture()
    return Effect.gen(function* () {
      const { simulators } = yield* Sandbox
      const headers = { "x-domain-id": "dom_demo", "x-customer-id": `cust_forward_${crypto.randomUUID()}` }
      const ready = yield* readyCart(headers, 2)
      const stock = simulators.inventory.stockOf("prod_screen")
      const order = { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: codOrder(netPayableOf(ready)) }
      const placed = yield* send("POST", "/cart/place-order", order)
      expect(placed.status).toBe(200)
      const answer = Schema.decodeUnknownSync(Answer)(placed.json)
      expect(answer.order).toMatchObject({ order_status: "PENDING", payment_status: "SUCCESS" })
      expect(logs.lines().some((line) => String(line.message).includes("phase 2 could not finish"))).toBe(true)

      yield* waitUntil("the order to be confirmed", Effect.map(orderStatus(answer.order.id), (status) => status === "CONFIRMED"), 100, 100)
      expect(simulators.inventory.stockOf("prod_screen")).toBe(stock - 2)
      expect(simulators.payment.payments().filter((p) => p.payment.order_id === answer.order.id).map((p) => p.payment.status)).toEqual(["SUCCESS"])
      // The retry of a client that did not see the answer gets it again, not "no cart".
      const again = yield* send("POST", "/cart/place-order", order)
      expect(again.headers["idempotent-replayed"]).toBe("true")
      expect(again.json).toEqual(placed.json)
    }).pipe(Effect.provide(Layer.merge(orchestraTestServer({}, logs, { downstreams }), world)))
  })

  it.live("GATEWAY: the webhook's phase 2 fails the same way; the paid order is confirmed, never cancelled", () => {
    const { world, downstreams } = confirmationFailing(3)
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
      const first = yield* deliver(crypto.randomUUID())
      expect(first.status).toBe(200)
      expect(first.json).toEqual({ success: true, duplicate: false, order_id: answer.order.id })

      yield* waitUntil("the order to be confirmed", Effect.map(orderStatus(answer.order.id), (status) => status === "CONFIRMED"), 100, 100)
      expect(simulators.payment.paymentByGatewayOrderId(payment.gateway_order_id!)?.status).toBe("SUCCESS")
      expect((yield* deliver(crypto.randomUUID())).json).toMatchObject({ duplicate: true })
    }).pipe(Effect.provide(Layer.merge(orchestraTestServer({}, undefined, { downstreams }), world)))
  })
})

describe("a place-order retried after its first attempt was rolled back", () => {
  it.live("gets a final 422 IDEMPOTENCY_KEY_REUSED (use a new key), not a 500; the new key then places the order", () => {
    const world = Layer.merge(Sandbox.layer, FaultInjector.layer)
    return Effect.gen(function* () {
      const { simulators } = yield* Sandbox
      const injector = yield* FaultInjector
      const headers = { "x-domain-id": "dom_demo", "x-customer-id": `cust_retry_${crypto.randomUUID()}` }
      const ready = yield* readyCart(headers, 1)
      const order = { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: codOrder(netPayableOf(ready)) }

      // Sub-orders fail for the whole first attempt: master order cancelled, reservation released.
      yield* injector.add({ target: "order.createSubOrders", fault: Fault.Error({ status: 500 }), rate: 1 })
      const first = yield* send("POST", "/cart/place-order", order)
      expect(first.status).toBe(502)
      yield* injector.clear

      // The client retries with the same key: every downstream key derived from it is spent.
      const retried = yield* send("POST", "/cart/place-order", order)
      expect(retried.status).toBe(422)
      expect(retried.json).toMatchObject({ success: false, error: { code: "IDEMPOTENCY_KEY_REUSED" } })
      expect((yield* send("POST", "/cart/place-order", order)).headers["idempotent-replayed"]).toBe("true")

      const placed = yield* send("POST", "/cart/place-order", { ...order, headers: { ...headers, "idempotency-key": crypto.randomUUID() } })
      expect(placed.json).toMatchObject({ success: true, order: { order_status: "CONFIRMED" } })
      const statuses = simulators.order.orders().filter((entry) => entry.owner.customer_id === headers["x-customer-id"]).map((entry) => entry.order.order_status)
      expect(statuses).toEqual(["CANCELLED", "CONFIRMED"])
    }).pipe(Effect.provide(Layer.merge(orchestraTestServer({}, undefined, { downstreams: SandboxDownstreams.pipe(Layer.provide(world)) }), world)))
  })

  it.live("rolled back before the order existed: the retry's order gets no held stock, and phase 2 takes the stock again", () => {
    const world = Layer.merge(Sandbox.layer, FaultInjector.layer)
    return Effect.gen(function* () {
      const { simulators } = yield* Sandbox
      const injector = yield* FaultInjector
      const headers = { "x-domain-id": "dom_demo", "x-customer-id": `cust_retry_${crypto.randomUUID()}` }
      const ready = yield* readyCart(headers, 2)
      const order = {
        headers: { ...headers, "idempotency-key": crypto.randomUUID() },
        body: { payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" }], total_order_amount: netPayableOf(ready) }
      }
      yield* injector.add({ target: "order.createMaster", fault: Fault.Error({ status: 500 }), rate: 1 })
      expect((yield* send("POST", "/cart/place-order", order)).status).toBe(502)
      yield* injector.clear
      // The retry's reserve under the same key names the reservation the rollback released.
      const placed = yield* send("POST", "/cart/place-order", order)
      expect(placed.status).toBe(200)
      const payment = Schema.decodeUnknownSync(Answer)(placed.json).payment[0]!
      const stock = simulators.inventory.stockOf("prod_screen")
      yield* simulators.payment.settleGateway(payment.gateway_order_id!, "SUCCESS")
      const raw = JSON.stringify({ event_id: crypto.randomUUID(), gateway_order_id: payment.gateway_order_id, status: "SUCCESS", amount: payment.amount, currency: "INR" })
      const confirmed = yield* send("POST", "/payments/webhooks/phonepe", { headers: signWebhook(SANDBOX_WEBHOOK_SECRET, Math.floor(Date.now() / 1000), raw), body: raw })
      expect(confirmed.json).toMatchObject({ duplicate: false, outcome: "COMPLETED" })
      expect(simulators.inventory.stockOf("prod_screen")).toBe(stock - 2)
    }).pipe(Effect.provide(Layer.merge(orchestraTestServer({}, undefined, { downstreams: SandboxDownstreams.pipe(Layer.provide(world)) }), world)))
  })
})
