import { describe, expect, layer } from "@effect/vitest"
import { Fault, makeGate, openGate } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { postgresAnswers, TestDatabase } from "@orchestra/testkit/postgres/TestDatabase"
import { Sandbox } from "@orchestra/testkit/sandbox/Sandbox"
import { sandboxAddress, sharedSandbox } from "@orchestra/testkit/sandbox/sharedSandbox"
import { Context, Deferred, Effect, Fiber, Layer, Redacted, Schema, type Scope } from "effect"
import { FetchHttpClient } from "effect/http"
import { answerOf, type Caller, call, liveSecrets, notifyPayment, type Shopper, shopper } from "./support/gateway.ts"
import { silentLogs } from "./support/logs.ts"
import { type OrchestraProcess, orchestraProcess, redisCluster, redisProcess, skipRedisProcesses } from "./support/processes.ts"
import type { Answer } from "./support/server.ts"

/** Two orchestrator processes (live mode) over one sandbox, one Redis (or cluster) and one PostgreSQL for checkouts. */
class Fleet extends Context.Service<
  Fleet,
  { readonly bases: readonly [string, string]; readonly processes: readonly [OrchestraProcess, OrchestraProcess] }
>()("orchestra/test/Fleet") {}

/**
 * The shared downstream world in this process (the test reads its state), then two
 * `node main.ts` processes pointed at it and at the given Redis. Everything stops with the suite.
 */
const fleet = (redisEnv: Effect.Effect<Record<string, string>, never, Scope.Scope>) =>
  Layer.effect(
    Fleet,
    Effect.gen(function* () {
      const redis = yield* redisEnv
      const { serviceUrls } = yield* sandboxAddress
      const database = yield* TestDatabase
      const env = {
        ...redis,
        DATABASE_URL: Redacted.value(database.url),
        ORCHESTRA_ENGINE_POLL_MS: "100",
        // Not about overload or abuse: a loaded test machine must not make the servers shed or limit.
        ORCHESTRA_MAX_IN_FLIGHT: "off",
        ORCHESTRA_LIMIT_PLACE_ORDERS: "0",
        ...serviceUrls,
        ...liveSecrets
      }
      const [a, b] = yield* Effect.all([orchestraProcess(env), orchestraProcess(env)], { concurrency: 2 })
      return { bases: [a.baseUrl, b.baseUrl] as const, processes: [a, b] as const }
    })
  ).pipe(
    Layer.provideMerge(sharedSandbox({ port: 0 })),
    Layer.provide(TestDatabase.layer),
    Layer.provideMerge(FetchHttpClient.layer),
    // The sandbox server's own log lines are not what these tests are about.
    Layer.provide(silentLogs)
  )

/** A mutation (or a read that may merge a guest cart) retried (bounded) while another process holds the cart: CART_BUSY is "try again". */
const mutate = (base: string, method: "GET" | "POST" | "PUT" | "DELETE", path: string, who: Caller, body?: unknown) =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < 10; attempt++) {
      const answer = yield* call(base, method, path, who, body === undefined ? {} : { body })
      if (answer.status !== 409) return answer
      yield* Effect.sleep(20 + Math.floor(Math.random() * 50))
    }
    return yield* Effect.die(new Error(`${method} ${path} stayed busy`))
  })

const Charged = Schema.Struct({
  cart: Schema.Struct({
    delivery_option: Schema.optional(Schema.Struct({ delivery_option_id: Schema.String })),
    totals: Schema.Struct({ delivery_charge: Schema.Number })
  })
})

const CartAnswer = Schema.Struct({
  cart: Schema.Struct({
    version: Schema.Int,
    items: Schema.Array(Schema.Struct({ product_id: Schema.String, quantity: Schema.Int })),
    totals: Schema.Struct({ net_payable: Schema.Number })
  })
})
const cartOf = (answer: Answer) => Schema.decodeUnknownSync(CartAnswer)(answer.json).cart
const quantityOf = (answer: Answer, productId: string) =>
  cartOf(answer).items.filter((line) => line.product_id === productId).reduce((sum, line) => sum + line.quantity, 0)

const Placed = Schema.Struct({
  order: Schema.Struct({ id: Schema.String }),
  payment: Schema.Array(Schema.Struct({ amount: Schema.Number, gateway_order_id: Schema.optional(Schema.String) }))
})

const ItemsAnswer = Schema.Struct({
  results: Schema.Array(Schema.Struct({ status: Schema.String, code: Schema.optionalKey(Schema.String) }))
})
const GuestCart = Schema.Struct({ cart: Schema.Struct({ cart_id: Schema.NullOr(Schema.String), items: Schema.Array(Schema.Unknown) }) })
const MergedAnswer = Schema.Struct({ merged_from_guest: Schema.optional(Schema.Struct({ guest_cart_id: Schema.String })) })
const WebhookAnswer = Schema.Struct({ duplicate: Schema.Boolean, outcome: Schema.optionalKey(Schema.String) })

const add = (productId: string, quantity = 1) => ({ operations: [{ op: "ADD", product_id: productId, quantity }] })

/** A cart of `quantity` screen protectors picked up at the hub, on process `base`. Returns its net payable. */
const readyCart = (base: string, who: Shopper, quantity: number) =>
  Effect.gen(function* () {
    expect((yield* mutate(base, "POST", "/cart/items", who, add("prod_screen", quantity))).status).toBe(200)
    const updated = yield* mutate(base, "PUT", "/cart", who, { pickup_point: { pickup_point_id: "pickup_1" } })
    expect(updated.status).toBe(200)
    return cartOf(updated).totals.net_payable
  })

const scaleOutSuite = (name: string, redisEnv: Effect.Effect<Record<string, string>, never, Scope.Scope>) =>
  layer(fleet(redisEnv), { excludeTestServices: true, timeout: "90 seconds" })(name, (it) => {
    it.effect("concurrent mutations of one cart spread over both processes lose nothing", () =>
      Effect.gen(function* () {
        const { bases } = yield* Fleet
        const who = shopper()
        const answers = yield* Effect.forEach(
          Array.from({ length: 16 }, (_, i) => bases[i % 2]!),
          (base) => mutate(base, "POST", "/cart/items", who, add("prod_screen")),
          { concurrency: "unbounded" }
        )
        expect(answers.map((answer) => answer.status)).toEqual(Array(16).fill(200))
        for (const base of bases) {
          expect(quantityOf(yield* call(base, "GET", "/cart", who), "prod_screen")).toBe(16)
        }

        // Each add is checked against the cart as it is: with the lock shared, two processes never
        // both see 2 phones and both add a third (max_per_order is 3).
        // Slow product lookups widen the window between reading the cart and applying the batch.
        const injector = yield* FaultInjector
        yield* injector.add({ target: "product.*", fault: Fault.Latency({ millis: 100 }), rate: 1 })
        const phone = { operations: [{ op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 }] }
        const phones = yield* Effect.forEach(
          Array.from({ length: 6 }, (_, i) => bases[i % 2]!),
          (base) => mutate(base, "POST", "/cart/items", who, phone),
          { concurrency: "unbounded" }
        ).pipe(Effect.ensuring(injector.clear))
        const results = phones.map((answer) => Schema.decodeUnknownSync(ItemsAnswer)(answer.json).results[0]!)
        expect(results.filter((result) => result.status === "SUCCESS")).toHaveLength(3)
        expect(results.filter((result) => result.code === "QUANTITY_LIMIT")).toHaveLength(3)
        expect(quantityOf(yield* call(bases[1], "GET", "/cart", who), "prod_phone")).toBe(3)
      })
    )

    it.effect("issue 14, 1: a full GET on one process racing a PUT on the other leaves the newer option's charge everywhere", () =>
      Effect.gen(function* () {
        const { bases } = yield* Fleet
        const injector = yield* FaultInjector
        const who = shopper()
        expect((yield* mutate(bases[0], "POST", "/cart/items", who, add("prod_screen", 2))).status).toBe(200)
        const express = yield* mutate(bases[0], "PUT", "/cart", who, { delivery_option: { delivery_option_id: "deliv_opt_express" } })
        expect(Schema.decodeUnknownSync(Charged)(express.json).cart.totals.delivery_charge).toBe(99)
        // The GET on process 0 reads the express cart, then is held at its stock check while process 1 switches to standard.
        const gate = yield* makeGate
        yield* injector.set([{ target: "inventory.checkAvailability", fault: Fault.Hold({ gate, point: "before" }), rate: 1 }])
        const get = yield* Effect.forkChild(call(bases[0], "GET", "/cart", who))
        yield* Deferred.await(gate.reached)
        // Only that call is held: the rule goes, so every later call passes.
        yield* injector.clear
        const standard = yield* mutate(bases[1], "PUT", "/cart", who, { delivery_option: { delivery_option_id: "deliv_opt_123" } })
        const charge = Schema.decodeUnknownSync(Charged)(standard.json).cart.totals.delivery_charge
        yield* openGate(gate)
        const read = yield* Fiber.join(get)
        expect(read.json).toMatchObject({ stale: true, warnings: expect.arrayContaining([expect.objectContaining({ code: "CART_CHANGED" })]) })
        for (const base of bases) {
          const cached = Schema.decodeUnknownSync(Charged)((yield* call(base, "GET", "/cart?compute=false", who)).json)
          expect(cached.cart.delivery_option?.delivery_option_id).toBe("deliv_opt_123")
          expect(cached.cart.totals.delivery_charge).toBe(charge)
        }
        const full = Schema.decodeUnknownSync(Charged)((yield* call(bases[1], "GET", "/cart", who)).json)
        expect(full.cart.totals.delivery_charge).toBe(charge)
      })
    )

    it.effect("issue 14, 2: an add that failed with a 5xx after its batch landed, retried with its key on the other process, adds once", () =>
      Effect.gen(function* () {
        const { bases } = yield* Fleet
        const injector = yield* FaultInjector
        const who = shopper()
        const key = { "idempotency-key": crypto.randomUUID() }
        yield* injector.add({ target: "cart.compute", fault: Fault.Error({ status: 503 }), rate: 1 })
        const failed = yield* call(bases[0], "POST", "/cart/items", who, { body: add("prod_case"), headers: key }).pipe(Effect.ensuring(injector.clear))
        expect(failed.status).toBe(503)
        const retried = yield* call(bases[1], "POST", "/cart/items", who, { body: add("prod_case"), headers: key })
        expect(retried.status).toBe(200)
        expect(quantityOf(retried, "prod_case")).toBe(1)
        expect(quantityOf(yield* call(bases[0], "GET", "/cart", who), "prod_case")).toBe(1)
      })
    )

    it.effect("issue 14, 4: a process paused past its lease cannot write over the process that took the cart after it", () =>
      Effect.gen(function* () {
        const { bases, processes } = yield* Fleet
        const injector = yield* FaultInjector
        const who = shopper()
        expect((yield* mutate(bases[0], "POST", "/cart/items", who, add("prod_case"))).status).toBe(200)
        // Process 0 takes the cart's lock and sends its batch; the batch is held at the cart service…
        const gate = yield* makeGate
        yield* injector.set([{ target: "cart.applyBatch", fault: Fault.Hold({ gate, point: "before" }), rate: 1 }])
        const paused = yield* Effect.forkChild(call(bases[0], "POST", "/cart/items?compute=false", who, { body: add("prod_mug") }))
        yield* Deferred.await(gate.reached)
        // Only that call is held: the rule goes, so every later call passes.
        yield* injector.clear
        // …and the process stops (a long GC pause, SIGSTOP): no renewal, so its 10 s lease lapses.
        processes[0].child.process.kill("SIGSTOP")
        // Process 1 gets the cart once the lease lapsed, and writes with a larger fencing token. Then the
        // paused process' batch reaches the cart service, while that process is still stopped: refused.
        const took = yield* mutate(bases[1], "POST", "/cart/items", who, add("prod_screen")).pipe(
          Effect.tap(() => openGate(gate)),
          Effect.ensuring(Effect.sync(() => processes[0].child.process.kill("SIGCONT")))
        )
        expect(took.status).toBe(200)
        const late = yield* Fiber.join(paused)
        expect(late.status).not.toBe(200)
        const cart = yield* call(bases[1], "GET", "/cart", who)
        expect(quantityOf(cart, "prod_mug")).toBe(0)
        expect(quantityOf(cart, "prod_screen")).toBe(1)
        expect(quantityOf(cart, "prod_case")).toBe(1)
      }),
      { timeout: 60_000 }
    )

    it.effect("an Idempotency-Key replayed on the other process returns the stored response, and acts once", () =>
      Effect.gen(function* () {
        const { bases } = yield* Fleet
        const { simulators } = yield* Sandbox
        const who = shopper()
        const addKey = { "idempotency-key": crypto.randomUUID() }
        const first = yield* call(bases[0], "POST", "/cart/items", who, { body: add("prod_case"), headers: addKey })
        expect(first.status).toBe(200)
        const replayed = yield* call(bases[1], "POST", "/cart/items", who, { body: add("prod_case"), headers: addKey })
        expect(replayed.headers["idempotent-replayed"]).toBe("true")
        expect(replayed.json).toEqual(first.json)
        expect(quantityOf(yield* call(bases[1], "GET", "/cart", who), "prod_case")).toBe(1)

        const net = yield* readyCart(bases[1], who, 1)
        const order = {
          body: { payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }], total_order_amount: net },
          headers: { "idempotency-key": crypto.randomUUID() }
        }
        const placed = yield* answerOf(bases[1], who, order.headers["idempotency-key"], order.body)
        expect(placed.status).toBe(200)
        const again = yield* answerOf(bases[0], who, order.headers["idempotency-key"], order.body)
        expect(again.headers["idempotent-replayed"]).toBe("true")
        expect(again.json).toEqual(placed.json)
        const orderId = Schema.decodeUnknownSync(Placed)(placed.json).order.id
        expect(simulators.order.orders().filter((entry) => entry.owner.customer_id === who["x-customer-id"]).map((e) => e.order.id)).toEqual([
          orderId
        ])
      })
    )

    it.effect("the same payment notified to both processes (twice, under two event ids) runs phase 2 once", () =>
      Effect.gen(function* () {
        const { bases } = yield* Fleet
        const { simulators } = yield* Sandbox
        const injector = yield* FaultInjector
        const who = shopper()
        const net = yield* readyCart(bases[0], who, 3)
        const placed = yield* answerOf(bases[0], who, crypto.randomUUID(), {
          payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" }],
          total_order_amount: net
        })
        expect(placed.status).toBe(200)
        const payment = Schema.decodeUnknownSync(Placed)(placed.json).payment[0]!
        const stockBefore = simulators.inventory.stockOf("prod_screen")
        const callsBefore = injector.calls().length

        const deliver = (base: string, eventId: string) =>
          notifyPayment(base, { event_id: eventId, gateway_order_id: payment.gateway_order_id!, status: "SUCCESS", amount: payment.amount })
        const [event, redelivery] = [crypto.randomUUID(), crypto.randomUUID()]
        const answers = yield* Effect.all([deliver(bases[0], event), deliver(bases[1], event), deliver(bases[0], redelivery), deliver(bases[1], redelivery)], {
          concurrency: "unbounded"
        })
        expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200])
        const outcomes = answers.map((answer) => Schema.decodeUnknownSync(WebhookAnswer)(answer.json))
        // Each event id is new once; every answer saw the order completed.
        expect(outcomes.filter((outcome) => !outcome.duplicate)).toHaveLength(2)
        expect(outcomes.map((outcome) => outcome.outcome)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED"])

        const phase2 = injector.calls().slice(callsBefore)
        expect(phase2.filter((step) => step === "inventory.deduct")).toHaveLength(1)
        expect(phase2.filter((step) => step === "cart.removeLines")).toHaveLength(1)
        expect(stockBefore - simulators.inventory.stockOf("prod_screen")).toBe(3)
      })
    )

    it.effect("issue 15: ten first requests of a signed-in customer, over both processes, merge the guest cart once", () =>
      Effect.gen(function* () {
        const { bases } = yield* Fleet
        const injector = yield* FaultInjector
        const customer = shopper()
        const guest = { "x-domain-id": "dom_demo", "x-session-id": `sess_process_${crypto.randomUUID()}` }
        const signedIn = { ...customer, "x-session-id": guest["x-session-id"] }
        expect((yield* mutate(bases[0], "POST", "/cart/items", customer, add("prod_screen"))).status).toBe(200)
        expect((yield* mutate(bases[1], "POST", "/cart/items", guest, { operations: [
          { op: "ADD", product_id: "prod_screen", quantity: 2 },
          { op: "ADD", product_id: "prod_mug", quantity: 1 }
        ] })).status).toBe(200)
        const callsBefore = injector.calls().length
        // The first to hold both carts' locks is stopped at its merge call until the others are running too.
        const gate = yield* makeGate
        yield* injector.set([{ target: "cart.merge", fault: Fault.Hold({ gate, point: "before" }), rate: 1 }])
        const first = Effect.forEach(
          Array.from({ length: 10 }, (_, i) => bases[i % 2]!),
          (base, i) => (i % 2 === 0 ? mutate(base, "GET", "/cart", signedIn) : mutate(base, "POST", "/cart/items?compute=false", signedIn, add("prod_case"))),
          { concurrency: "unbounded" }
        )
        const requests = yield* Effect.forkChild(first)
        yield* Deferred.await(gate.reached)
        yield* injector.clear
        yield* openGate(gate)
        const answers = yield* Fiber.join(requests)
        expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200))
        const merged = answers.filter((answer) => Schema.decodeUnknownSync(MergedAnswer)(answer.json).merged_from_guest !== undefined)
        expect(merged).toHaveLength(1)
        expect(injector.calls().slice(callsBefore).filter((step) => step === "cart.merge")).toHaveLength(1)
        for (const base of bases) {
          const cart = yield* call(base, "GET", "/cart", customer)
          expect(quantityOf(cart, "prod_screen")).toBe(3)
          expect(quantityOf(cart, "prod_mug")).toBe(1)
          expect(quantityOf(cart, "prod_case")).toBe(5)
          // The guest's cart is gone: an empty cart, on either process.
          expect(Schema.decodeUnknownSync(GuestCart)((yield* call(base, "GET", "/cart?compute=false", guest)).json).cart).toEqual({ cart_id: null, items: [] })
        }
      })
    )

    it.effect("the cache never serves a version older than the last mutation's, whichever process wrote it", () =>
      Effect.gen(function* () {
        const { bases } = yield* Fleet
        const who = shopper()
        // In turn: a mutation on one process, then cached and full reads on both.
        for (let round = 0; round < 6; round++) {
          const mutated = yield* mutate(bases[round % 2]!, "POST", "/cart/items", who, add("prod_case"))
          const version = cartOf(mutated).version
          for (const base of bases) {
            const cached = yield* call(base, "GET", "/cart?compute=false", who)
            expect(cartOf(cached).version).toBeGreaterThanOrEqual(version)
            expect(quantityOf(cached, "prod_case")).toBe(round + 1)
          }
          expect(cartOf(yield* call(bases[(round + 1) % 2]!, "GET", "/cart", who)).version).toBeGreaterThanOrEqual(version)
        }

        // Concurrently: writers on both processes; readers (full reads also write the cache) on both.
        let acknowledged = 0
        const writers = Effect.forEach(
          Array.from({ length: 12 }, (_, i) => bases[i % 2]!),
          (base) =>
            Effect.map(mutate(base, "POST", "/cart/items", who, add("prod_case")), (answer) => {
              acknowledged = Math.max(acknowledged, cartOf(answer).version)
            }),
          { concurrency: 3, discard: true }
        )
        const stale: Array<string> = []
        const readers = Effect.forEach(
          Array.from({ length: 30 }, (_, i) => i),
          (i) =>
            Effect.gen(function* () {
              const floor = acknowledged
              const path = i % 3 === 0 ? "/cart" : "/cart?compute=false"
              const read = yield* call(bases[i % 2]!, "GET", path, who)
              const version = cartOf(read).version
              if (version < floor) stale.push(`${path} on ${i % 2}: version ${version} after ${floor} was acknowledged`)
            }),
          { concurrency: 2, discard: true }
        )
        yield* Effect.all([writers, readers], { concurrency: "unbounded" })
        expect(stale).toEqual([])
        for (const base of bases) {
          const cached = yield* call(base, "GET", "/cart?compute=false", who)
          expect(cartOf(cached).version).toBeGreaterThanOrEqual(acknowledged)
          expect(quantityOf(cached, "prod_case")).toBe(18)
        }
      })
    )
  })

const skipPostgres = !(await postgresAnswers()) && !process.env.CI

describe.skipIf(skipRedisProcesses || skipPostgres)("two orchestrator processes", () => {
  scaleOutSuite(
    "over one Redis",
    Effect.map(redisProcess, (redis) => ({ REDIS_URL: redis.url }))
  )
  scaleOutSuite(
    "over a Redis Cluster",
    Effect.map(redisCluster, (cluster) => ({ REDIS_CLUSTER_NODES: cluster.nodesEnv }))
  )
})
