import { NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest, type HttpMethod } from "effect/http"
import { ServerConfig } from "../../src/config/ServerConfig.ts"
import { HttpApp } from "../../src/server/HttpApp.ts"
import { MemoryStores } from "../../src/server/Stores.ts"
import { type LogCapture, makeLogCapture } from "./logs.ts"
import { type FlowBehaviour, TestFlows } from "./TestFlows.ts"

export interface TestServerOptions {
  /** The server's environment; nothing is read from the real one. */
  readonly env?: Record<string, string>
  readonly behaviour?: FlowBehaviour
  /** The stores (cart cache, lock, idempotency, readiness, mutex); memory by default. */
  readonly stores?: Layer.Layer<Layer.Success<typeof MemoryStores>, unknown>
  /** Where the server's log lines go; a fresh silent capture by default. */
  readonly logs?: LogCapture
}

/** The real HTTP app on the in-process test server, over test flows. */
export const testServer = (options: TestServerOptions = {}) =>
  HttpApp.pipe(
    Layer.provideMerge(TestFlows(options.behaviour)),
    Layer.provide(options.stores ?? MemoryStores),
    Layer.provide(ServerConfig.layer),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(options.env ?? {}))),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide((options.logs ?? makeLogCapture()).layer)
  )

export const customer = { "x-domain-id": "dom-1", "x-customer-id": "cust-1" }
export const guest = { "x-domain-id": "dom-1", "x-session-id": "sess-1" }

export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly text: string
  readonly json: unknown
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** One request as the gateway would send it; `body` is sent as JSON unless it is already a string. */
export const send = (
  method: HttpMethod.HttpMethod,
  path: string,
  options: { readonly headers?: Record<string, string>; readonly body?: unknown; readonly contentType?: string } = {}
) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const base = HttpClientRequest.make(method)(path).pipe(HttpClientRequest.setHeaders(options.headers ?? {}))
    const request =
      options.body === undefined
        ? base
        : typeof options.body === "string"
          ? HttpClientRequest.bodyText(base, options.body, options.contentType ?? "application/json")
          : HttpClientRequest.bodyJsonUnsafe(base, options.body)
    const response = yield* client.execute(request)
    const text = yield* response.text
    const answer: Answer = { status: response.status, headers: response.headers, text, json: parse(text) }
    return answer
  })
