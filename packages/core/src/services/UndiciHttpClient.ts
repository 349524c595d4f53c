import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Agent, type Dispatcher } from "@effect/platform-node/Undici"
import { Effect, Formatter, Inspectable, Layer, Option, Pipeable, Redacted, type Schema, Stream, Tracer } from "effect"
import {
  Cookies,
  Headers,
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  UrlParams
} from "effect/http"

/**
 * An `HttpClient` over an undici `Agent` that sends a request the caller runs without a client
 * span (as every contract client call does, see `ContractClient.ts`) straight to undici.
 *
 * `HttpClient.make`, which `NodeHttpClient.layerUndici` builds on, wraps every request for two
 * things: the client span, and aborting a response whose body nobody reads (a
 * `FinalizationRegistry` entry and a wrapper around the response). Without a span, the first is
 * moot; reading the body whole before the request succeeds makes the second moot. That wrapper
 * (with `layerUndici`'s per-request context merge) is ~20 µs of CPU per call, of ~145 µs for a
 * whole contract call on loopback. A request whose caller wants a client span, or whose body is a
 * stream or form data, goes to the stock undici client over the same `Agent`, unchanged.
 *
 * The fast path reads the response body before `execute` succeeds: fine for the JSON the
 * downstream contracts exchange, not for a response meant to be streamed. Interrupting it (a
 * step's timeout) aborts the request as the stock client does.
 */
export const make = (dispatcher: Dispatcher): Effect.Effect<HttpClient.HttpClient> =>
  Effect.map(Effect.provideService(NodeHttpClient.makeUndici, NodeHttpClient.Dispatcher, dispatcher), (stock) =>
    HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
      (prepared) =>
        Effect.flatMap(prepared, (request) =>
          Effect.withFiber((fiber): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
            const body = plainBodyOf(request)
            const untraced = fiber.getRef(Tracer.DisablePropagation) || fiber.getRef(HttpClient.TracerDisabledWhen)(request)
            return untraced && body !== unsupported && request.headers.upgrade === undefined
              ? send(dispatcher, request, body)
              : stock.execute(request)
          })
        ),
      (request) => Effect.succeed(request)
    )
  )

/** `make` over a new `Agent` with these options, closed with the layer. */
export const layer = (options?: Agent.Options): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.flatMap(
      Effect.acquireRelease(
        Effect.sync(() => new Agent(options)),
        (agent) => Effect.promise(() => agent.destroy())
      ),
      make
    )
  )

const unsupported: unique symbol = Symbol("unsupported")

/** The request body as undici takes it, when it is text or bytes. */
const plainBodyOf = (request: HttpClientRequest.HttpClientRequest): string | Uint8Array | null | typeof unsupported => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return null
    case "Uint8Array":
      // The text a text body was made from, if any, spares encoding it only for undici to send it.
      return body.text ?? body.body
    case "Raw":
      return typeof body.body === "string" || body.body instanceof Uint8Array ? body.body : unsupported
    default:
      return unsupported
  }
}

const send = (dispatcher: Dispatcher, request: HttpClientRequest.HttpClientRequest, body: string | Uint8Array | null) => {
  let url: URL
  try {
    url = new URL(request.url)
    // As `HttpClient.make` builds it (`Url.make`): the URL, then each parameter appended.
    for (const [key, value] of request.urlParams.params) {
      url.searchParams.append(key, Redacted.isRedacted(value) ? Redacted.value(value) : value)
    }
    if (Option.isSome(request.hash)) url.hash = request.hash.value
  } catch (cause) {
    return Effect.fail(new HttpClientError.HttpClientError({ reason: new HttpClientError.InvalidUrlError({ request, cause }) }))
  }
  return Effect.tryPromise({
    try: async (signal) => {
      const response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers: request.headers,
        body,
        signal,
        // As the stock client: timeouts are the caller's (`Effect.timeout`), not undici's.
        headersTimeout: 60 * 60 * 1000,
        bodyTimeout: 0
      })
      const bytes = new Uint8Array(await response.body.arrayBuffer())
      return new BufferedResponse(request, url.href.split("#")[0] ?? url.href, response.statusCode, response.headers, bytes)
    },
    // No answer, or a body cut off: either way the request did not complete.
    catch: (cause) => new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })
  })
}

const decoder = new TextDecoder()

/** A response whose body has been read whole: every body accessor answers at once. */
class BufferedResponse extends Pipeable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId] = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId] = HttpIncomingMessage.TypeId
  readonly request: HttpClientRequest.HttpClientRequest
  readonly url: string
  readonly status: number
  readonly rawHeaders: Readonly<Record<string, string | Array<string> | undefined>>
  readonly bytes: Uint8Array
  private cachedHeaders: Headers.Headers | undefined
  private cachedText: string | undefined

  constructor(
    request: HttpClientRequest.HttpClientRequest,
    url: string,
    status: number,
    rawHeaders: Readonly<Record<string, string | Array<string> | undefined>>,
    bytes: Uint8Array
  ) {
    super()
    this.request = request
    this.url = url
    this.status = status
    this.rawHeaders = rawHeaders
    this.bytes = bytes
  }

  get headers(): Headers.Headers {
    this.cachedHeaders ??= Headers.fromInput(this.rawHeaders)
    return this.cachedHeaders
  }

  get cookies(): Cookies.Cookies {
    const header = this.rawHeaders["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private decodeError(cause: unknown) {
    return new HttpClientError.HttpClientError({
      reason: new HttpClientError.DecodeError({ request: this.request, response: this, cause })
    })
  }

  get text(): Effect.Effect<string, HttpClientError.HttpClientError> {
    return Effect.sync(() => {
      this.cachedText ??= decoder.decode(this.bytes)
      return this.cachedText
    })
  }

  get json(): Effect.Effect<Schema.Json, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: (): Schema.Json => (text === "" ? null : JSON.parse(text)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> {
    return Effect.sync(() => this.bytes.slice().buffer)
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        // A leading "?" is form data; URLSearchParams would drop it as a query prefix.
        try: () => UrlParams.fromInput(new URLSearchParams(text.replace(/^\?/, "%3F"))),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get formData(): Effect.Effect<FormData, HttpClientError.HttpClientError> {
    return Effect.tryPromise({
      try: () => new globalThis.Response(this.bytes.slice(), { headers: this.headers }).formData(),
      catch: (cause) => this.decodeError(cause)
    })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.HttpClientError> {
    return this.bytes.length === 0 ? Stream.empty : Stream.succeed(this.bytes)
  }

  get upgrade(): Effect.Effect<never, HttpClientError.HttpClientError> {
    return Effect.fail(
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.StatusCodeError({
          request: this.request,
          response: this,
          description: "expected 101 Switching Protocols"
        })
      })
    )
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "effect/http/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }

  override toString(): string {
    return Formatter.format(this.toJSON())
  }

  [Inspectable.NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}
