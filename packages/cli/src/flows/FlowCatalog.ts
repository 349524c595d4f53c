import { Effect, Schema } from "effect"
import { CheckoutFlows } from "@orchestra/core/checkout/CheckoutFlows"
import { fingerprintOf } from "@orchestra/core/domain/IdempotencyKey"
import { PlaceOrderRequest } from "@orchestra/core/checkout/PlaceOrderRequest"
import { PlaceOrderResponse } from "@orchestra/core/checkout/PlaceOrderResponse"
import type { ApiError } from "@orchestra/core/domain/Errors"
import { CartFlows, type CartScope } from "@orchestra/core/flows/CartFlows"
import { ItemsRequest, UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import {
  DeleteCartResponse,
  GetCachedCartResponse,
  GetCartResponse,
  ItemsResponse,
  UpdateOptionsResponse
} from "@orchestra/core/flows/responses"
import type { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { SuggestionsFlow } from "@orchestra/core/suggestions/SuggestionsFlow"
import { SuggestionsResponse } from "@orchestra/core/suggestions/SuggestionsResponse"
import type { FlowName } from "@orchestra/testkit/replay/Fixture"

/** What a flow run needs: the flows, and one request's context. */
export type FlowServices = CartFlows | CheckoutFlows | SuggestionsFlow | RequestContext

/** A flow ready to run: its response is the JSON body the public API would answer. */
export type PreparedFlow = Effect.Effect<unknown, ApiError, FlowServices>

export interface FlowCall {
  readonly scope: CartScope
  readonly body: unknown
  readonly idempotencyKey: string | undefined
}

export interface FlowSpec {
  readonly name: FlowName
  /** The public endpoint it serves, e.g. `POST /cart/items?compute=true`. */
  readonly endpoint: string
  readonly description: string
  /** Whether the request has a body (a JSON object), and whether it must carry an Idempotency-Key. */
  readonly takesBody: boolean
  readonly needsIdempotencyKey: boolean
  /** Decodes the body as the public API does (strictly), then binds the flow. Fails with the reason. */
  readonly prepare: (call: FlowCall) => Effect.Effect<PreparedFlow, string>
}

const strict = { onExcessProperty: "error", errors: "all" } as const

/** The body as the HTTP layer decodes it: wire JSON in, unknown fields refused. */
const decodeBody = <S extends Schema.Codec<unknown, unknown>>(schema: S, body: unknown) =>
  Schema.decodeUnknownEffect(Schema.toCodecJson(schema), strict)(body).pipe(Effect.mapError((error) => `body: ${error.message}`))

/** The response as the HTTP layer encodes it: money back to major units, snake_case as declared. */
const encodeResponse =
  <S extends Schema.Codec<unknown, unknown>>(schema: S) =>
  <E, R>(flow: Effect.Effect<S["Type"], E, R>): Effect.Effect<unknown, E, R> =>
    Effect.flatMap(flow, (response) => Effect.orDie(Schema.encodeUnknownEffect(Schema.toCodecJson(schema))(response)))

const noBody = (call: FlowCall): Effect.Effect<void, string> =>
  call.body === undefined ? Effect.void : Effect.fail("this flow takes no body (drop --body)")

const specs: ReadonlyArray<FlowSpec> = [
  {
    name: "items-full",
    endpoint: "POST /cart/items?compute=true",
    description: "apply operations, validate products, stock and stores, recompute (10 steps)",
    takesBody: true,
    needsIdempotencyKey: false,
    prepare: (call) =>
      Effect.map(decodeBody(ItemsRequest, call.body), (request) =>
        encodeResponse(ItemsResponse)(CartFlows.use((flows) => flows.itemsFull({ ...call.scope, request })))
      )
  },
  {
    name: "items-lite",
    endpoint: "POST /cart/items?compute=false",
    description: "apply operations without recomputing (3 steps)",
    takesBody: true,
    needsIdempotencyKey: false,
    prepare: (call) =>
      Effect.map(decodeBody(ItemsRequest, call.body), (request) =>
        encodeResponse(ItemsResponse)(CartFlows.use((flows) => flows.itemsLite({ ...call.scope, request })))
      )
  },
  {
    name: "update-options",
    endpoint: "PUT /cart",
    description: "coupons, addresses, delivery, pickup, payment method, gift wrap, tips (12 steps)",
    takesBody: true,
    needsIdempotencyKey: false,
    prepare: (call) =>
      Effect.map(decodeBody(UpdateOptionsRequest, call.body), (request) =>
        encodeResponse(UpdateOptionsResponse)(
          CartFlows.use((flows) => flows.updateOptions({ ...call.scope, request }))
        )
      )
  },
  {
    name: "get-cart",
    endpoint: "GET /cart?compute=true",
    description: "re-read prices, stock, stores and promotions, recompute (11 steps)",
    takesBody: false,
    needsIdempotencyKey: false,
    prepare: (call) =>
      Effect.as(
        noBody(call),
        encodeResponse(GetCartResponse)(CartFlows.use((flows) => flows.getFull(call.scope)))
      )
  },
  {
    name: "get-cart-cached",
    endpoint: "GET /cart?compute=false",
    description: "the cached cart, or the stored one on a miss (2 steps)",
    takesBody: false,
    needsIdempotencyKey: false,
    prepare: (call) =>
      Effect.as(
        noBody(call),
        encodeResponse(GetCachedCartResponse)(CartFlows.use((flows) => flows.getCached(call.scope)))
      )
  },
  {
    name: "delete-cart",
    endpoint: "DELETE /cart",
    description: "delete the cart, clear its cache entry, release reservations (3 steps)",
    takesBody: false,
    needsIdempotencyKey: false,
    prepare: (call) =>
      Effect.as(
        noBody(call),
        encodeResponse(DeleteCartResponse)(CartFlows.use((flows) => flows.deleteCart(call.scope)))
      )
  },
  {
    name: "buy-now",
    endpoint: "POST /buy-now",
    description: "replace the BUY_NOW cart with the request's items (3 steps)",
    takesBody: true,
    needsIdempotencyKey: false,
    prepare: (call) =>
      Effect.map(decodeBody(ItemsRequest, call.body), (request) =>
        encodeResponse(ItemsResponse)(
          CartFlows.use((flows) => flows.buyNow({ owner: call.scope.owner, request }))
        )
      )
  },
  {
    name: "place-order",
    endpoint: "POST /cart/place-order",
    description: "checkout phase 1: validate, reserve, create the order, take payments (13 steps)",
    takesBody: true,
    needsIdempotencyKey: true,
    prepare: (call) =>
      Effect.gen(function* () {
        const request = yield* decodeBody(PlaceOrderRequest, call.body)
        const idempotencyKey = call.idempotencyKey
        if (idempotencyKey === undefined) return yield* Effect.fail("place-order needs an Idempotency-Key")
        return encodeResponse(PlaceOrderResponse)(
          CheckoutFlows.use((flows) =>
            flows.placeOrder({
              ...call.scope,
              request,
              idempotencyKey,
              fingerprint: fingerprintOf("POST", "/cart/place-order", JSON.stringify(call.body ?? null))
            })
          )
        )
      })
  },
  {
    name: "suggestions",
    endpoint: "GET /cart/suggestions",
    description: "complementary, bundles, upsells, threshold offers, reminders, ranked (9 steps)",
    takesBody: false,
    needsIdempotencyKey: false,
    prepare: (call) =>
      Effect.as(
        noBody(call),
        encodeResponse(SuggestionsResponse)(SuggestionsFlow.use((flow) => flow.suggestions(call.scope)))
      )
  }
]

export const flowSpecs = specs

export const flowSpec = (name: FlowName): FlowSpec => {
  const spec = specs.find((s) => s.name === name)
  // FlowName and the list above are the same set of names; a missing one is a programming error.
  if (spec === undefined) throw new Error(`No flow spec for ${name}`)
  return spec
}
