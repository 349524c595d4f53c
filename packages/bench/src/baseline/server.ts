import { AsyncLocalStorage } from "node:async_hooks"
import { createHash, randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { PlaceOrderRequest } from "@orchestra/core/checkout/PlaceOrderRequest"
import { CustomerId, DomainId, SessionId } from "@orchestra/core/domain/Ids"
import type { Owner } from "@orchestra/core/domain/Owner"
import { ItemsRequest } from "@orchestra/core/flows/requests"
import { CartGroup as CartContract } from "@orchestra/core/services/Cart"
import { EventGroup, EventService } from "@orchestra/core/services/Event"
import { InventoryGroup, InventoryService } from "@orchestra/core/services/Inventory"
import { MarketingGroup, MarketingService } from "@orchestra/core/services/Marketing"
import { NotificationGroup, NotificationService } from "@orchestra/core/services/Notification"
import { OrderGroup, OrderService } from "@orchestra/core/services/Order"
import { PaymentGroup, PaymentService } from "@orchestra/core/services/Payment"
import { ProductGroup, ProductService } from "@orchestra/core/services/Product"
import { SellerAdminGroup, SellerAdminService } from "@orchestra/core/services/SellerAdmin"
import { ShippingGroup, ShippingService } from "@orchestra/core/services/Shipping"
import { CartService } from "@orchestra/core/services/Cart"
import { Currency } from "@orchestra/core/domain/Money"
import { CartGroup } from "@orchestra/http/api/CartGroup"
import { CheckoutGroup } from "@orchestra/http/api/CheckoutGroup"
import { statusOfCode } from "@orchestra/http/api/ErrorBody"
import { verifyGatewaySignature } from "@orchestra/http/middleware/GatewaySignature"
import { sandboxDownstreams } from "@orchestra/http/server/Downstreams"
import { parseFaultSpec } from "@orchestra/testkit/faults/Fault"
import { Sandbox } from "@orchestra/testkit/sandbox/Sandbox"
import { Context, Effect, Layer, Result, Schema, Scope } from "effect"
import { Pool } from "undici"
import { seedPlanFromEnv, benchSandbox } from "../seed.ts"
import { endpointOf, jsonCodec, payloadSchemaOf, stringsCodec, successSchemaOf } from "./contract.ts"
import { fromClient, httpClient } from "./downstreams.ts"
import { type BaselineDeps, makeFlows, type RequestState } from "./flows.ts"
import { type CartCacheStore, LockTimeout, memoryCartCache, memoryCartLock, memoryIdempotency, memorySagas, redisCartCache } from "./stores.ts"

/**
 * The baseline: a bare `node:http` server running the same flows as ours — the same steps, the same
 * parallel groups (`Promise.all`), over the same simulators or the same sandbox HTTP server —
 * with the same validation (the public contract's schemas for query, headers, payload and
 * response; the identity headers and the gateway signature; the downstream contracts' codecs in
 * HTTP mode), the same stores' logic, and one access log line per request. What it leaves out is
 * the framework: no Effect runtime around the flow, no step runner (retries, timeouts, circuit
 * breakers, bulkheads, spans, trace), no HttpApi router or middleware stack.
 */

const MAX_BODY_BYTES = 64 * 1024
const env = process.env
const port = Number(env.PORT ?? 0)
const gatewaySecret = env.ORCHESTRA_GATEWAY_SECRET
const downstreamUrl = env.BENCH_DOWNSTREAM_URL
const requestIds = new AsyncLocalStorage<string>()

const inProcessDeps = async () => {
  const parsed = parseFaultSpec(env.BENCH_FAULTS ?? "")
  if (Result.isFailure(parsed)) throw new Error(parsed.failure)
  const plan = seedPlanFromEnv()
  // The server's own sandbox layer, with the bench catalog's seeded sandbox memoised in its place
  // (as ours' entry does): the very same simulator clients and fault injector ours runs on.
  const build = Effect.gen(function* () {
    const scope = yield* Scope.make()
    const memoMap = Layer.makeMemoMapUnsafe()
    yield* memoMap.getOrElseMemoize(Sandbox.layer, scope, (mm, sc) => Layer.buildWithMemoMap(benchSandbox(plan), mm, sc))
    return yield* Layer.buildWithMemoMap(sandboxDownstreams(parsed.success), memoMap, scope)
  })
  const context = await Effect.runPromise(build)
  return {
    cart: fromClient(Context.get(context, CartService)),
    product: fromClient(Context.get(context, ProductService)),
    inventory: fromClient(Context.get(context, InventoryService)),
    marketing: fromClient(Context.get(context, MarketingService)),
    sellerAdmin: fromClient(Context.get(context, SellerAdminService)),
    shipping: fromClient(Context.get(context, ShippingService)),
    order: fromClient(Context.get(context, OrderService)),
    payment: fromClient(Context.get(context, PaymentService)),
    notification: fromClient(Context.get(context, NotificationService)),
    event: fromClient(Context.get(context, EventService))
  }
}

const httpDeps = (url: string) => {
  const pool = new Pool(url)
  const options = { requestId: () => requestIds.getStore() }
  return {
    cart: httpClient(CartContract, pool, options),
    product: httpClient(ProductGroup, pool, options),
    inventory: httpClient(InventoryGroup, pool, options),
    marketing: httpClient(MarketingGroup, pool, options),
    sellerAdmin: httpClient(SellerAdminGroup, pool, options),
    shipping: httpClient(ShippingGroup, pool, options),
    order: httpClient(OrderGroup, pool, options),
    payment: httpClient(PaymentGroup, pool, options),
    notification: httpClient(NotificationGroup, pool, options),
    event: httpClient(EventGroup, pool, options)
  }
}

const cache: CartCacheStore = env.REDIS_URL ? await redisCartCache(env.REDIS_URL) : memoryCartCache()
const deps: BaselineDeps = {
  ...(downstreamUrl ? httpDeps(downstreamUrl) : await inProcessDeps()),
  cache,
  sagas: memorySagas(),
  currency: Schema.decodeUnknownSync(Currency)(env.ORCHESTRA_CURRENCY ?? "INR")
}
const flows = makeFlows(deps)
const withCartLock = memoryCartLock()
const idempotency = memoryIdempotency()

const payloadOptions = { onExcessProperty: "error", errors: "all" } as const
const contract = (group: Parameters<typeof endpointOf>[0], name: string) => {
  const endpoint = endpointOf(group, name)
  return {
    query: stringsCodec(endpoint.query ?? Schema.Struct({}), { errors: "all" }),
    headers: stringsCodec(endpoint.headers ?? Schema.Struct({})),
    payloadSchema: payloadSchemaOf(endpoint),
    // As ours encodes its answers (PublicApi's SuccessParseOptions): shapes matched, refinements not re-run.
    success: jsonCodec(successSchemaOf(endpoint), { disableChecks: true })
  }
}
const getCart = contract(CartGroup, "getCart")
const addItems = contract(CartGroup, "addItems")
const placeOrder = contract(CheckoutGroup, "placeOrder")
// The endpoints' own payload schemas (ItemsRequest and PlaceOrderRequest, as HttpApi stores them);
// their types are those of the schemas the contract was declared with.
const payloadCodec = <A>(schema: Schema.Top | undefined, _declared: Schema.Codec<A, unknown, never, never>) => {
  if (schema === undefined) throw new Error("The public contract declares no payload here: update the baseline")
  const codec = jsonCodec(schema, payloadOptions)
  return (json: unknown) => codec.decodeJson(json) as A
}
const itemsPayload = payloadCodec(addItems.payloadSchema, ItemsRequest)
const placeOrderPayload = payloadCodec(placeOrder.payloadSchema, PlaceOrderRequest)

class HttpError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name]
  const text = Array.isArray(value) ? value[0] : value
  return text === undefined || text.length === 0 ? undefined : text
}

const isDomainId = Schema.is(DomainId)
const isCustomerId = Schema.is(CustomerId)
const isSessionId = Schema.is(SessionId)
const unauthenticated = (message: string) => new HttpError(401, "UNAUTHENTICATED", message)

/** Ours' Identity middleware: id headers, the customer winning, the gateway HMAC when configured. */
const authenticate = (request: IncomingMessage, path: string): Owner => {
  const domainId = header(request, "x-domain-id")
  const customerId = header(request, "x-customer-id")
  const sessionId = header(request, "x-session-id")
  for (const [name, value, valid] of [
    ["x-domain-id", domainId, isDomainId],
    ["x-customer-id", customerId, isCustomerId],
    ["x-session-id", sessionId, isSessionId]
  ] as const) {
    if (value !== undefined && !valid(value)) throw unauthenticated(`Header ${name} is not a valid id`)
  }
  if (domainId === undefined || !isDomainId(domainId)) throw unauthenticated("Missing header x-domain-id")
  const owner: Owner | undefined =
    customerId !== undefined && isCustomerId(customerId)
      ? { _tag: "Customer", domainId, customerId }
      : sessionId !== undefined && isSessionId(sessionId)
        ? { _tag: "Session", domainId, sessionId }
        : undefined
  if (owner === undefined) throw unauthenticated("Missing header x-customer-id or x-session-id")
  if (gatewaySecret !== undefined && gatewaySecret.length > 0) {
    const timestamp = header(request, "x-gateway-timestamp")
    const signature = header(request, "x-gateway-signature")
    if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) throw unauthenticated("Missing gateway signature")
    if (Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp)) > 300) throw unauthenticated("Stale gateway timestamp")
    const valid = verifyGatewaySignature(
      gatewaySecret,
      { timestamp: Number(timestamp), method: request.method ?? "GET", path, domainId, customerId, sessionId },
      signature
    )
    if (!valid) throw unauthenticated("Header x-gateway-signature does not match the request")
  }
  return owner
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, "PAYLOAD_TOO_LARGE", "The body is larger than 64 KiB"))
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

const invalid = (error: unknown) => new HttpError(400, "INVALID_REQUEST", error instanceof Error ? error.message : String(error))
const decodeWith = <A>(decode: () => A): A => {
  try {
    return decode()
  } catch (error) {
    throw invalid(error)
  }
}

interface Answer {
  readonly status: number
  readonly body: string
  readonly headers?: Record<string, string>
}

const json = (status: number, body: unknown): Answer => ({ status, body: JSON.stringify(body) })

const toAnswer = (requestId: string, error: unknown): Answer => {
  if (error instanceof HttpError) return json(error.status, { success: false, error: { code: error.code, message: error.message }, request_id: requestId })
  if (error instanceof LockTimeout) {
    return json(409, { success: false, error: { code: "CART_BUSY", message: "Another change to this cart is in progress" }, request_id: requestId })
  }
  if (typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" && statusOfCode.has(error._tag)) {
    const message = "message" in error ? String(error.message) : error._tag
    return json(statusOfCode.get(error._tag) ?? 500, { success: false, error: { code: error._tag, message }, request_id: requestId })
  }
  console.error("unexpected failure", error)
  return json(500, { success: false, error: { code: "INTERNAL", message: "Unexpected failure" }, request_id: requestId })
}

const scopeOf = (owner: Owner, cartType: "DEFAULT" | "BUY_NOW") => ({ owner, cartType })
const ownerScope = (owner: Owner) =>
  owner._tag === "Customer" ? `${owner.domainId}:c:${owner.customerId}` : `${owner.domainId}:s:${owner.sessionId}`
const lockKey = (owner: Owner, cartType: string) =>
  `${owner.domainId}:${owner._tag === "Customer" ? "c" : "s"}:${owner._tag === "Customer" ? owner.customerId : owner.sessionId}:${cartType}`

const route = async (request: IncomingMessage, requestId: string, path: string, search: string): Promise<Answer> => {
  const method = request.method ?? "GET"
  const state: RequestState = { requestId, warnings: [] }
  const query = Object.fromEntries(new URLSearchParams(search))
  if (method === "GET" && path === "/health") return json(200, { status: "ok" })
  if (method === "GET" && path === "/cart") {
    const owner = authenticate(request, path)
    decodeWith(() => getCart.headers.decode(request.headers))
    const { cart_type, compute } = decodeWith(() => getCart.query.decode(query) as { cart_type: "DEFAULT" | "BUY_NOW"; compute: boolean })
    const result = compute ? await flows.getFull(state, scopeOf(owner, cart_type)) : await flows.getCached(state, scopeOf(owner, cart_type))
    return json(200, getCart.success.encodeJson(result))
  }
  if (method === "POST" && path === "/cart/items") {
    const owner = authenticate(request, path)
    decodeWith(() => addItems.headers.decode(request.headers))
    const { cart_type, compute } = decodeWith(() => addItems.query.decode(query) as { cart_type: "DEFAULT" | "BUY_NOW"; compute: boolean })
    const body = await readBody(request)
    const payload = decodeWith(() => itemsPayload(JSON.parse(body)))
    if (!compute) throw new HttpError(404, "NOT_FOUND", "The lite variant is not part of the baseline")
    const result = await withCartLock(lockKey(owner, cart_type), () => flows.itemsFull(state, scopeOf(owner, cart_type), payload))
    return json(200, addItems.success.encodeJson(result))
  }
  if (method === "POST" && path === "/cart/place-order") {
    const owner = authenticate(request, path)
    decodeWith(() => placeOrder.headers.decode(request.headers))
    const key = header(request, "idempotency-key")
    if (key === undefined || key.length > 255) throw new HttpError(400, "INVALID_REQUEST", "Header Idempotency-Key is required on this endpoint")
    const body = await readBody(request)
    const scope = ownerScope(owner)
    const fingerprint = createHash("sha256").update(method).update("\n").update(request.url ?? "").update("\n").update(body).digest("hex")
    const begun = idempotency.begin(scope, key, fingerprint)
    if (begun._tag === "Completed") return { ...begun.response, headers: { "idempotent-replayed": "true" } }
    if (begun._tag === "Mismatch") throw new HttpError(422, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for a different request")
    if (begun._tag === "InProgress") throw new HttpError(409, "IDEMPOTENCY_IN_PROGRESS", "A request with this Idempotency-Key is still running")
    try {
      const { cart_type } = decodeWith(() => placeOrder.query.decode(query) as { cart_type: "DEFAULT" | "BUY_NOW" })
      const payload = decodeWith(() => placeOrderPayload(JSON.parse(body)))
      const result = await withCartLock(lockKey(owner, cart_type), () => flows.placeOrder(scopeOf(owner, cart_type), payload, key))
      const answer = json(200, placeOrder.success.encodeJson(result))
      idempotency.complete(scope, key, fingerprint, answer)
      return answer
    } catch (error) {
      const answer = toAnswer(requestId, error)
      if (answer.status < 500 && answer.status !== 400 && answer.status !== 409) idempotency.complete(scope, key, fingerprint, answer)
      else idempotency.abandon(scope, key)
      return answer
    }
  }
  throw new HttpError(404, "NOT_FOUND", `No route for ${method} ${path}`)
}

const handle = (request: IncomingMessage, response: ServerResponse) => {
  const startedAt = Date.now()
  const given = header(request, "x-request-id")
  const requestId = given !== undefined && given.length <= 128 ? given : randomUUID()
  const url = request.url ?? "/"
  const mark = url.indexOf("?")
  const path = mark < 0 ? url : url.slice(0, mark)
  const search = mark < 0 ? "" : url.slice(mark + 1)
  requestIds.run(requestId, () => {
    route(request, requestId, path, search)
      .catch((error: unknown) => toAnswer(requestId, error))
      .then((answer) => {
        response.writeHead(answer.status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(answer.body),
          "x-request-id": requestId,
          ...answer.headers
        })
        response.end(answer.body)
        // One access log line per request, as ours writes.
        process.stdout.write(
          `${JSON.stringify({
            message: "request",
            level: "INFO",
            timestamp: new Date().toISOString(),
            annotations: { request_id: requestId, method: request.method, path, status: answer.status, duration_ms: Date.now() - startedAt }
          })}\n`
        )
      })
  })
}

const server = createServer(handle)
server.listen(port, "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`${JSON.stringify({ message: "baseline listening", port: typeof address === "object" && address ? address.port : port })}\n`)
})
const stop = () => {
  server.close()
  server.closeAllConnections()
  void cache.close().finally(() => process.exit(0))
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
