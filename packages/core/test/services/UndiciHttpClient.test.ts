import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"
import { constTrue } from "effect/Function"
import { HttpBody, HttpClient, HttpClientRequest } from "effect/http"
import * as UndiciHttpClient from "../../src/services/UndiciHttpClient.ts"

interface Received {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

interface TestServer {
  readonly http: Server
  readonly url: string
  /** Every request, as received. */
  readonly received: Array<Received>
  /** The URLs of requests whose connection closed before they were answered. */
  readonly closed: Array<string>
}

/** A loopback HTTP server that keeps what it receives and answers each request with `answer`. */
const server = (answer: (request: IncomingMessage, response: ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.callback<TestServer>((resume) => {
      const received: Array<Received> = []
      const closed: Array<string> = []
      const http = createServer((request, response) => {
        let body = ""
        request.on("data", (chunk) => {
          body += String(chunk)
        })
        request.on("end", () => {
          received.push({ method: request.method, url: request.url, headers: request.headers, body })
          answer(request, response)
        })
        response.on("close", () => {
          if (!response.writableFinished) closed.push(request.url ?? "")
        })
      })
      http.listen(0, "127.0.0.1", () => {
        const address = http.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ http, url: `http://127.0.0.1:${port}`, received, closed }))
      })
    }),
    ({ http }) =>
      Effect.promise(
        () =>
          new Promise<void>((resolve) => {
            http.close(() => resolve())
            http.closeAllConnections()
          })
      )
  )

const json = (request: IncomingMessage, response: ServerResponse) => {
  response.writeHead(request.url?.startsWith("/missing") ? 404 : 200, {
    "content-type": "application/json",
    "x-answer": "yes",
    "set-cookie": ["a=1", "b=2"]
  })
  response.end(JSON.stringify({ path: request.url, ok: true }))
}

/** An `HttpClient` from a layer, built in the test's scope. */
const clientOf = (layer: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.flatMap(Effect.scope, (scope) =>
    Effect.map(Layer.buildWithScope(layer, scope), (context) => Context.get(context, HttpClient.HttpClient))
  )

/** Runs `effect` as a contract client call runs it: without a client span. */
const untraced = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, HttpClient.TracerDisabledWhen, constTrue)

const requests = (base: string) => [
  HttpClientRequest.get(`${base}/api/products/search`, { urlParams: { product_ids: "bp_000,bp_001", q: "a b&c" } }),
  HttpClientRequest.post(`${base}/api/carts/find`, {
    headers: { accept: "application/json", "x-request-id": "req_1" },
    body: HttpBody.text(JSON.stringify({ domain_id: "dom_demo", name: "Café ☕" }), "application/json")
  }),
  HttpClientRequest.put(`${base}/api/carts/c%2F1/options`, { body: HttpBody.text("{}", "application/json") }),
  HttpClientRequest.delete(`${base}/api/carts/cart_1#fragment`),
  HttpClientRequest.post(`${base}/raw`, { body: HttpBody.raw("raw text", { contentType: "text/plain", contentLength: 8 }) })
]

describe("UndiciHttpClient", () => {
  it.live("sends, for a request without a client span, what NodeHttpClient.layerUndici sends", () =>
    Effect.gen(function* () {
      const stockServer = yield* server(json)
      const leanServer = yield* server(json)
      const stock = yield* clientOf(NodeHttpClient.layerUndici)
      const lean = yield* clientOf(UndiciHttpClient.layer())
      for (const request of requests(stockServer.url)) yield* untraced(Effect.flatMap(stock.execute(request), (r) => r.text))
      for (const request of requests(leanServer.url)) yield* untraced(Effect.flatMap(lean.execute(request), (r) => r.text))
      const withoutHost = (received: Received) => ({ ...received, headers: { ...received.headers, host: "" } })
      assert.deepStrictEqual(leanServer.received.map(withoutHost), stockServer.received.map(withoutHost))
      assert.strictEqual(leanServer.received.length, 5)
    })
  )

  it.live("answers with the status, headers and body, readable every way and more than once", () =>
    Effect.gen(function* () {
      const { url } = yield* server(json)
      const lean = yield* clientOf(UndiciHttpClient.layer())
      const response = yield* untraced(lean.get(`${url}/things?id=1`))
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers["x-answer"], "yes")
      assert.strictEqual(response.headers["content-type"], "application/json")
      assert.strictEqual(response.url, `${url}/things?id=1`)
      const text = JSON.stringify({ path: "/things?id=1", ok: true })
      assert.strictEqual(yield* response.text, text)
      assert.strictEqual(yield* response.text, text)
      assert.deepStrictEqual(yield* response.json, { path: "/things?id=1", ok: true })
      assert.strictEqual(new TextDecoder().decode(yield* response.arrayBuffer), text)
      const chunks = yield* Stream.runCollect(response.stream)
      assert.strictEqual(new TextDecoder().decode(chunks[0]), text)
      assert.deepStrictEqual(Object.keys(response.cookies.cookies).sort(), ["a", "b"])
      const missing = yield* untraced(lean.get(`${url}/missing`))
      assert.strictEqual(missing.status, 404)
    })
  )

  it.live("sends a request with a client span through the stock client: span and traceparent as before", () =>
    Effect.gen(function* () {
      const { url, received } = yield* server(json)
      const lean = yield* clientOf(UndiciHttpClient.layer())
      const call = Effect.flatMap(lean.get(`${url}/traced`), (response) => response.text)
      const span = yield* Effect.withSpan(Effect.andThen(call, Effect.currentSpan), "step")
      const traceparent = String(received[0]?.headers.traceparent ?? "")
      assert.match(traceparent, new RegExp(`^00-${span.traceId}-[0-9a-f]{16}-01$`))
      // The HttpClient's own span, a child of ours, is what it names.
      assert.notInclude(traceparent, span.spanId)
    })
  )

  it.live("sends streamed bodies through the stock client", () =>
    Effect.gen(function* () {
      const { url, received } = yield* server(json)
      const lean = yield* clientOf(UndiciHttpClient.layer())
      const body = HttpBody.stream(Stream.make(new TextEncoder().encode("he"), new TextEncoder().encode("llo")), "text/plain")
      const response = yield* untraced(lean.execute(HttpClientRequest.post(`${url}/stream`, { body })))
      assert.strictEqual(response.status, 200)
      assert.strictEqual(received[0]?.body, "hello")
    })
  )

  it.live("aborts the request when the caller stops waiting", () =>
    Effect.gen(function* () {
      // The server tells when the request arrived and when its connection closed unanswered.
      const arrived = yield* Deferred.make<void>()
      const gone = yield* Deferred.make<void>()
      const { url, closed } = yield* server((_request, response) => {
        // Never answers.
        response.on("close", () => Deferred.doneUnsafe(gone, Exit.void))
        Deferred.doneUnsafe(arrived, Exit.void)
      })
      const lean = yield* clientOf(UndiciHttpClient.layer())
      const call = yield* Effect.forkChild(untraced(lean.get(`${url}/slow`)))
      yield* Deferred.await(arrived)
      yield* Fiber.interrupt(call)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(call)))
      yield* Deferred.await(gone)
      assert.deepStrictEqual(closed, ["/slow"])
    })
  )

  it.live("fails with a TransportError when nothing listens", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const { url } = yield* Scope.provide(server(json), scope)
      yield* Scope.close(scope, Exit.void)
      const lean = yield* clientOf(UndiciHttpClient.layer())
      const error = yield* Effect.flip(untraced(lean.get(`${url}/gone`)))
      assert.strictEqual(error.reason._tag, "TransportError")
    })
  )
})
