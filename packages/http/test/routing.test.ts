import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { deleteCartResponse, getCachedResponse, getCartResponse, itemsResponse, updateOptionsResponse } from "./support/fixtures.ts"
import { customer, guest, send, testServer } from "./support/server.ts"
import { FlowCalls } from "./support/TestFlows.ts"

const items = { operations: [{ op: "ADD", product_id: "prod-1", quantity: 1 }] }
const options = { tips: { amount: 50, currency: "INR" } }

const lastCall = Effect.gen(function* () {
  const calls = yield* (yield* FlowCalls).all
  return calls[calls.length - 1]
})

const customerOwner = { _tag: "Customer", domainId: "dom-1", customerId: "cust-1" }
const guestOwner = { _tag: "Session", domainId: "dom-1", sessionId: "sess-1" }


describe("routing", () => {
  it.live("POST /cart/items runs items-full by default and items-lite with compute=false", () =>
    Effect.gen(function* () {
      const full = yield* send("POST", "/cart/items", { headers: customer, body: items })
      expect(full.status).toBe(200)
      expect(full.json).toEqual(itemsResponse("DEFAULT").wire)
      expect(yield* lastCall).toMatchObject({ flow: "itemsFull", cartType: "DEFAULT", owner: customerOwner, request: items })

      yield* send("POST", "/cart/items?compute=false", { headers: customer, body: items })
      expect(yield* lastCall).toMatchObject({ flow: "itemsLite", cartType: "DEFAULT" })

      yield* send("POST", "/cart/items?compute=true&cart_type=BUY_NOW", { headers: customer, body: items })
      expect(yield* lastCall).toMatchObject({ flow: "itemsFull", cartType: "BUY_NOW" })
    }).pipe(Effect.provide(testServer()))
  )

  it.live("PUT /cart updates options of the chosen cart", () =>
    Effect.gen(function* () {
      const answer = yield* send("PUT", "/cart?cart_type=BUY_NOW", { headers: guest, body: options })
      expect(answer.status).toBe(200)
      expect(answer.json).toEqual(updateOptionsResponse("BUY_NOW").wire)
      expect(yield* lastCall).toMatchObject({
        flow: "updateOptions",
        cartType: "BUY_NOW",
        owner: guestOwner,
        request: { tips: { amount: 5000, currency: "INR" } }
      })
    }).pipe(Effect.provide(testServer()))
  )

  it.live("GET /cart is the full cart by default and the cached one with compute=false", () =>
    Effect.gen(function* () {
      const full = yield* send("GET", "/cart", { headers: customer })
      expect(full.status).toBe(200)
      expect(full.json).toEqual(getCartResponse("DEFAULT").wire)
      expect(yield* lastCall).toMatchObject({ flow: "getFull", cartType: "DEFAULT", owner: customerOwner })

      const cached = yield* send("GET", "/cart?compute=false&cart_type=BUY_NOW", { headers: customer })
      expect(cached.json).toEqual(getCachedResponse("BUY_NOW").wire)
      expect(yield* lastCall).toMatchObject({ flow: "getCached", cartType: "BUY_NOW" })
    }).pipe(Effect.provide(testServer()))
  )

  it.live("DELETE /cart deletes the chosen cart", () =>
    Effect.gen(function* () {
      const answer = yield* send("DELETE", "/cart", { headers: customer })
      expect(answer.status).toBe(200)
      expect(answer.json).toEqual(deleteCartResponse("DEFAULT").wire)
      expect(yield* lastCall).toMatchObject({ flow: "deleteCart", cartType: "DEFAULT", owner: customerOwner })
    }).pipe(Effect.provide(testServer()))
  )

  it.live("POST /buy-now always uses the BUY_NOW cart", () =>
    Effect.gen(function* () {
      const answer = yield* send("POST", "/buy-now", { headers: guest, body: items })
      expect(answer.status).toBe(200)
      expect(answer.json).toEqual(itemsResponse("BUY_NOW").wire)
      expect(yield* lastCall).toMatchObject({ flow: "buyNow", cartType: "BUY_NOW", owner: guestOwner, request: items })
    }).pipe(Effect.provide(testServer()))
  )

  it.live("the customer wins over the session when both are sent", () =>
    Effect.gen(function* () {
      yield* send("GET", "/cart", { headers: { ...customer, "x-session-id": "sess-1" } })
      expect(yield* lastCall).toMatchObject({ owner: customerOwner })
      yield* send("POST", "/cart/items", { headers: { ...guest, "x-customer-id": "cust-1" }, body: items })
      expect(yield* lastCall).toMatchObject({ owner: customerOwner })
    }).pipe(Effect.provide(testServer()))
  )

  it.live("an unknown route is a 404 with the error shape", () =>
    Effect.gen(function* () {
      for (const [method, path] of [
        ["GET", "/nope"],
        ["PATCH", "/cart"],
        ["POST", "/cart/checkout"]
      ] as const) {
        const answer = yield* send(method, path, { headers: customer })
        expect(answer.status).toBe(404)
        expect(answer.json).toEqual({
          success: false,
          error: { code: "NOT_FOUND", message: `No route for ${method} ${path}` },
          request_id: answer.headers["x-request-id"]
        })
      }
    }).pipe(Effect.provide(testServer()))
  )

  it.live("an unknown cart_type is a 400 naming the parameter", () =>
    Effect.gen(function* () {
      const answer = yield* send("GET", "/cart?cart_type=OTHER", { headers: customer })
      expect(answer.status).toBe(400)
      expect(answer.json).toMatchObject({
        success: false,
        error: { code: "INVALID_REQUEST", details: [{ path: ["cart_type"] }] }
      })
      expect((yield* (yield* FlowCalls).all).length).toBe(0)
    }).pipe(Effect.provide(testServer()))
  )
})
