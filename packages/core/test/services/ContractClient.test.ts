import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Context, Effect, Exit, Option } from "effect"
import { HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "effect/http"
import { HttpApi, HttpApiClient, type HttpApiEndpoint, type HttpApiGroup } from "effect/http-api"
import { CurrentDeadline } from "../../src/runtime/CurrentDeadline.ts"
import { RequestContext } from "../../src/runtime/RequestContext.ts"
import { CartApi } from "../../src/services/Cart.ts"
import { type ContractCall, makeContractClient } from "../../src/services/ContractClient.ts"
import { CustomerApi } from "../../src/services/Customer.ts"
import { ResourceConflict, ResourceNotFound } from "../../src/services/DownstreamErrors.ts"
import { EventApi } from "../../src/services/Event.ts"
import { InventoryApi } from "../../src/services/Inventory.ts"
import { LoyaltyApi } from "../../src/services/Loyalty.ts"
import { MarketingApi } from "../../src/services/Marketing.ts"
import { NotificationApi } from "../../src/services/Notification.ts"
import { OrderApi } from "../../src/services/Order.ts"
import { PaymentApi } from "../../src/services/Payment.ts"
import { ProductApi } from "../../src/services/Product.ts"
import { RecommendationsApi } from "../../src/services/Recommendations.ts"
import { SellerAdminApi } from "../../src/services/SellerAdmin.ts"
import { ShippingApi } from "../../src/services/Shipping.ts"
import { recordingTracer } from "../support/recordingTracer.ts"

const baseUrl = "http://downstream.test:8080"

/** One endpoint's method of a contract client. */
const methodOf = (client: Readonly<Record<string, ContractCall>>, name: string): ContractCall => {
  const method = client[name]
  if (method === undefined) throw new Error(`no method ${name}`)
  return method
}

/** What reached the wire: all a fixture (and a service) can tell two clients apart by. */
interface Sent {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
}

const bodyText = (request: HttpClientRequest.HttpClientRequest): string | undefined =>
  request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : undefined

/** An `HttpClient` that keeps each request and answers every one with `status` and `body`. */
const answering = (status: number, body: string, sent: Array<Sent>) =>
  HttpClient.make((request, url) =>
    Effect.sync(() => {
      sent.push({ method: request.method, url: url.href, headers: { ...request.headers }, body: bodyText(request) })
      return HttpClientResponse.fromWeb(request, new Response(body, { status, headers: { "content-type": "application/json" } }))
    })
  )

/** The live client as it was built before the contract client: `HttpApiClient` plus our headers. */
const viaHttpApiClient = <Id extends string, Groups extends HttpApiGroup.Constraint>(
  api: HttpApi.HttpApi<Id, Groups>,
  http: HttpClient.HttpClient
) =>
  Effect.map(
    HttpApiClient.makeWith(api, {
      baseUrl,
      httpClient: http.pipe(
        HttpClient.mapRequest(HttpClientRequest.acceptJson),
        HttpClient.mapRequestEffect((request) =>
          Effect.gen(function* () {
            const context = yield* Effect.serviceOption(RequestContext)
            const deadline = yield* CurrentDeadline
            return HttpClientRequest.setHeaders(request, {
              ...(Option.isSome(context) ? { "x-request-id": context.value.requestId } : {}),
              ...(deadline === undefined ? {} : { "x-request-deadline": String(deadline) })
            })
          })
        )
      )
    }),
    (client): Readonly<Record<string, ContractCall>> => {
      const groups: unknown = client
      const [group] = typeof groups === "object" && groups !== null ? Object.values(groups) : []
      // One group per contract, whose methods take the same request objects as ours: a generic
      // client type TypeScript cannot index by a runtime name.
      return group as Readonly<Record<string, ContractCall>>
    }
  )

/** Request objects for an endpoint, drawn from the types of its params, query and payload. */
const requestsFor = (endpoint: HttpApiEndpoint.Top, count: number) => {
  const parts: Record<string, Arbitrary.Arbitrary<unknown>> = {}
  if (endpoint.params !== undefined) parts.params = Arbitrary.schema(endpoint.params)
  if (endpoint.query !== undefined) parts.query = Arbitrary.schema(endpoint.query)
  const payload = [...endpoint.payload.values()][0]?.schemas[0]
  if (payload !== undefined) parts.payload = Arbitrary.schema(payload)
  return Arbitrary.sampleEffect(Arbitrary.all(parts), { count, seed: 20_260_101 })
}

const requestContext = Effect.map(RequestContext.make({ requestId: "req_equivalence", deadlineMs: 5_000 }), (context) =>
  Context.make(RequestContext, context).pipe(Context.add(CurrentDeadline, 1_900_000_000_000))
)

/** What one client sent for a request: nothing when it refused to build it (an unencodable value). */
const sentBy = (call: ContractCall | undefined, request: unknown, sent: Array<Sent>) =>
  Effect.gen(function* () {
    sent.length = 0
    if (call === undefined) return "no such method"
    yield* Effect.exit(call(request))
    const [only, ...more] = sent
    assert.isEmpty(more)
    if (only === undefined) return "nothing sent"
    // Trace headers name each client's own span; the trace tests below cover them. Entries, so
    // that the order headers go out in counts too.
    const { b3: _b3, traceparent: _traceparent, ...headers } = only.headers
    return { ...only, headers: Object.entries(headers) }
  })

/**
 * Sends sampled requests of every endpoint of a contract through both clients, asserting the
 * same bytes reach the wire. Returns how many requests were compared.
 */
const compareRequests = <Id extends string, Groups extends HttpApiGroup.Constraint>(
  service: string,
  api: HttpApi.HttpApi<Id, Groups>
) =>
  Effect.gen(function* () {
    const context = yield* requestContext
    const sentOld: Array<Sent> = []
    const sentNew: Array<Sent> = []
    const old = yield* viaHttpApiClient(api, answering(599, "{}", sentOld))
    const ours = makeContractClient(api, { baseUrl, service, httpClient: answering(599, "{}", sentNew) })
    const endpoints: Array<HttpApiEndpoint.Top> = []
    HttpApi.reflect(api, { onGroup() {}, onEndpoint: ({ endpoint }) => endpoints.push(endpoint) })
    let compared = 0
    for (const endpoint of endpoints) {
      const name = endpoint.identifier
      for (const request of yield* requestsFor(endpoint, samplesPerEndpoint)) {
        const expected = yield* Effect.provideContext(sentBy(old[name], request, sentOld), context)
        const actual = yield* Effect.provideContext(sentBy(ours[name], request, sentNew), context)
        assert.deepStrictEqual(actual, expected, `${service}.${name} ${JSON.stringify(request)}`)
        if (typeof actual !== "string") compared++
      }
    }
    return compared
  })

const samplesPerEndpoint = 8

describe("the contract client", () => {
  it.effect("sends what HttpApiClient sent, byte for byte, for every endpoint of every contract", () =>
    Effect.gen(function* () {
      const compared = yield* Effect.all([
        compareRequests("cart", CartApi),
        compareRequests("customer", CustomerApi),
        compareRequests("event", EventApi),
        compareRequests("inventory", InventoryApi),
        compareRequests("loyalty", LoyaltyApi),
        compareRequests("marketing", MarketingApi),
        compareRequests("notification", NotificationApi),
        compareRequests("order", OrderApi),
        compareRequests("payment", PaymentApi),
        compareRequests("product", ProductApi),
        compareRequests("recommendations", RecommendationsApi),
        compareRequests("sellerAdmin", SellerAdminApi),
        compareRequests("shipping", ShippingApi)
      ])
      // Both clients refuse the same few samples (an id of "." is no path segment); nearly all are sent.
      assert.isAbove(compared.reduce((a, b) => a + b, 0), 40 * samplesPerEndpoint * 0.9)
    })
  )

  it.effect("sends product ids as one comma-joined query parameter, as the fixtures recorded them", () =>
    Effect.gen(function* () {
      const sent: Array<Sent> = []
      const httpClient = answering(200, `{"products":[]}`, sent)
      const product = makeContractClient(ProductApi, { baseUrl: `${baseUrl}/`, service: "product", httpClient })
      yield* methodOf(product, "search")({ query: { product_ids: ["bp_000", "bp_001"] } })
      assert.strictEqual(sent[0]?.url, "http://downstream.test:8080/api/products/search?product_ids=bp_000%2Cbp_001")
      assert.strictEqual(sent[0]?.method, "GET")
      assert.isUndefined(sent[0]?.body)
    })
  )
})

/** The `cart.find` method over an HttpClient that answers `status` with `body`. */
const cartFind = (status: number, body: string) => {
  const sent: Array<Sent> = []
  const cart = makeContractClient(CartApi, { baseUrl, service: "cart", httpClient: answering(status, body, sent) })
  return methodOf(cart, "find")({ payload: { domain_id: "dom_demo", customer_id: "cust_1", cart_type: "DEFAULT" } })
}

const failureOf = (exit: Exit.Exit<unknown, unknown>) => {
  assert.isTrue(Exit.isFailure(exit), "expected the call to fail")
  return Option.getOrUndefined(Exit.findErrorOption(exit))
}

describe("the contract client's outcomes", () => {
  it.effect("a declared 404 is the decoded ResourceNotFound", () =>
    Effect.gen(function* () {
      const error = failureOf(yield* Effect.exit(cartFind(404, `{"_tag":"ResourceNotFound","message":"no cart"}`)))
      assert.instanceOf(error, ResourceNotFound)
      assert.strictEqual(error instanceof ResourceNotFound ? error.message : undefined, "no cart")
    })
  )

  it.effect("a declared 409 is the decoded ResourceConflict", () =>
    Effect.gen(function* () {
      const marketing = makeContractClient(MarketingApi, {
        baseUrl,
        service: "marketing",
        httpClient: answering(409, `{"_tag":"ResourceConflict","message":"used up","reason":"COUPON_EXHAUSTED"}`, [])
      })
      const payload = { idempotency_key: "k1", codes: ["SAVE10"], order_id: "ord_1" }
      const error = failureOf(yield* Effect.exit(methodOf(marketing, "markCouponsUsed")({ payload })))
      assert.instanceOf(error, ResourceConflict)
      assert.deepInclude(error, { reason: "COUPON_EXHAUSTED", message: "used up" })
    })
  )

  it.effect("a request that does not encode never leaves: a Decode failure", () =>
    Effect.gen(function* () {
      const sent: Array<Sent> = []
      const marketing = makeContractClient(MarketingApi, { baseUrl, service: "marketing", httpClient: answering(200, "{}", sent) })
      const error = failureOf(yield* Effect.exit(methodOf(marketing, "markCouponsUsed")({ payload: { codes: "not a list" } })))
      assert.deepInclude(error, { _tag: "DownstreamFailure", endpoint: "markCouponsUsed", reason: "Decode" })
      assert.isEmpty(sent)
    })
  )

  it.effect("an undeclared status is a DownstreamFailure with the status", () =>
    Effect.gen(function* () {
      const error = failureOf(yield* Effect.exit(cartFind(503, `{"error":"down"}`)))
      assert.deepInclude(error, { _tag: "DownstreamFailure", service: "cart", endpoint: "find", reason: "Status", status: 503 })
    })
  )

  it.effect("a declared error status whose body is not the declared error is a bad status", () =>
    Effect.gen(function* () {
      const error = failureOf(yield* Effect.exit(cartFind(404, "<html>not found</html>")))
      assert.deepInclude(error, { _tag: "DownstreamFailure", reason: "Status", status: 404 })
    })
  )

  it.effect("a success body that does not match the contract, or is not JSON, is a Decode failure", () =>
    Effect.gen(function* () {
      const wrongShape = failureOf(yield* Effect.exit(cartFind(200, `{"cart":42}`)))
      assert.deepInclude(wrongShape, { _tag: "DownstreamFailure", reason: "Decode" })
      const notJson = failureOf(yield* Effect.exit(cartFind(200, "not json")))
      assert.deepInclude(notJson, { _tag: "DownstreamFailure", reason: "Decode" })
    })
  )

  it.effect("no response is a Transport failure", () =>
    Effect.gen(function* () {
      const refusing = HttpClient.make((request) =>
        Effect.fail(
          new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, description: "refused" }) })
        )
      )
      const customer = makeContractClient(CustomerApi, { baseUrl, service: "customer", httpClient: refusing })
      const error = failureOf(yield* Effect.exit(methodOf(customer, "address")({ params: { address_id: "addr_1" } })))
      assert.deepInclude(error, { _tag: "DownstreamFailure", service: "customer", endpoint: "address", reason: "Transport" })
    })
  )
})


describe("the contract client's trace context", () => {
  it.effect("makes no client span and sends the caller's span as traceparent and b3", () =>
    Effect.gen(function* () {
      const { names, tracer } = recordingTracer()
      const sent: Array<Sent> = []
      const customer = makeContractClient(CustomerApi, { baseUrl, service: "customer", httpClient: answering(503, "{}", sent) })
      const address = methodOf(customer, "address")({ params: { address_id: "addr_1" } })
      const step = yield* Effect.exit(Effect.withSpan(address, "customer.address")).pipe(Effect.withTracer(tracer))
      assert.deepStrictEqual(names, ["customer.address"])
      assert.isTrue(Exit.isFailure(step))
      const headers = sent[0]?.headers ?? {}
      assert.match(headers.traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      assert.match(headers.b3 ?? "", /^[0-9a-f]{32}-[0-9a-f]{16}-1$/)
    })
  )

  it.effect("the traceparent names the caller's span", () =>
    Effect.gen(function* () {
      const sent: Array<Sent> = []
      const customer = makeContractClient(CustomerApi, { baseUrl, service: "customer", httpClient: answering(503, "{}", sent) })
      const address = Effect.exit(methodOf(customer, "address")({ params: { address_id: "addr_1" } }))
      const span = yield* Effect.withSpan(Effect.tap(Effect.currentSpan, () => address), "customer.address")
      assert.strictEqual(sent[0]?.headers.traceparent, `00-${span.traceId}-${span.spanId}-01`)
    })
  )

  it.effect("sends no trace context with propagation turned off, or outside any span", () =>
    Effect.gen(function* () {
      const sent: Array<Sent> = []
      const customer = makeContractClient(CustomerApi, { baseUrl, service: "customer", httpClient: answering(503, "{}", sent) })
      const call = Effect.exit(methodOf(customer, "address")({ params: { address_id: "addr_1" } }))
      yield* Effect.withSpan(call, "customer.address").pipe(Effect.provideService(HttpClient.TracerPropagationEnabled, false))
      yield* call
      assert.strictEqual(sent.length, 2)
      for (const { headers } of sent) {
        assert.notProperty(headers, "traceparent")
        assert.notProperty(headers, "b3")
      }
    })
  )
})

describe("the contract client's decoding", () => {
  it.effect("decodes what HttpApiClient decodes", () =>
    Effect.gen(function* () {
      const body = JSON.stringify({
        products: [{ product_id: "p_1", store_id: "s_1", name: "Case", status: "ACTIVE", price: 10.5 }]
      })
      const ours = makeContractClient(ProductApi, { baseUrl, service: "product", httpClient: answering(200, body, []) })
      const old = yield* viaHttpApiClient(ProductApi, answering(200, body, []))
      const request = { query: { product_ids: ["p_1"] } }
      const expected = yield* methodOf(old, "search")(request)
      const actual = yield* methodOf(ours, "search")(request)
      assert.deepStrictEqual(actual, expected)
    })
  )
})
