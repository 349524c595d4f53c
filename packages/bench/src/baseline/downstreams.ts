import type { Client, Operations } from "@orchestra/core/services/Downstream"
import { ResourceConflict, ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import { Cause, Effect, Exit } from "effect"
import type { HttpApiGroup } from "effect/http-api"
import type { Pool } from "undici"
import { endpointOf, jsonCodec, payloadSchemaOf, stringsCodec, successSchemaOf } from "./contract.ts"

type Endpoints<G extends HttpApiGroup.Constraint> = Operations<G>

/** A downstream service as the baseline calls it: the contract's methods, returning promises. */
export type PromiseClient<G extends HttpApiGroup.Constraint> = {
  readonly [K in keyof Endpoints<G>]: (
    request: Parameters<Endpoints<G>[K]>[0]
  ) => Promise<Effect.Success<ReturnType<Endpoints<G>[K]>>>
}

type AnyPromiseCall = (request: unknown) => Promise<unknown>
type AnyEffectCall = (request: unknown) => Effect.Effect<unknown, unknown>

const unwrap = <A>(exit: Exit.Exit<A, unknown>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/**
 * In-process mode: the same simulator clients ours uses (with the same fault injector), each call
 * run to a promise. Running an Effect per call is the least any non-Effect caller of the
 * simulators must pay; ours pays the same simulator work inside its fibers.
 */
export const fromClient = <G extends HttpApiGroup.Constraint>(client: Client<G>): PromiseClient<G> => {
  const calls: Record<string, AnyPromiseCall> = {}
  for (const [name, call] of Object.entries(client)) {
    if (typeof call !== "function") continue
    // Each client method takes one request object and returns an Effect needing nothing.
    const effectCall = call as AnyEffectCall
    calls[name] = (request) => Effect.runPromiseExit(effectCall(request)).then(unwrap)
  }
  // Same keys as the contract's endpoints, which TypeScript cannot follow through Object.entries.
  return calls as unknown as PromiseClient<G>
}

export interface HttpCallOptions {
  /** Sent as `x-request-id`, as ours forwards its request id downstream. */
  readonly requestId: () => string | undefined
}

const methodsWithBody = new Set(["POST", "PUT", "PATCH", "DELETE"])

/**
 * HTTP mode: each endpoint called over an undici `Pool` to the sandbox server, with the contract's
 * JSON codecs on the way out and in — the encoding and validation ours' generated client does.
 */
export const httpClient = <G extends HttpApiGroup.Constraint>(group: G, pool: Pool, options: HttpCallOptions): PromiseClient<G> => {
  const calls: Record<string, AnyPromiseCall> = {}
  for (const name of Object.keys(group.endpoints)) {
    const endpoint = endpointOf(group, name)
    const payloadSchema = payloadSchemaOf(endpoint)
    const payload = payloadSchema === undefined ? undefined : jsonCodec(payloadSchema)
    const query = endpoint.query === undefined ? undefined : stringsCodec(endpoint.query)
    const params = endpoint.params === undefined ? undefined : stringsCodec(endpoint.params)
    const success = jsonCodec(successSchemaOf(endpoint))
    const segments = endpoint.path.split("/")
    const method = endpoint.method
    calls[name] = async (input) => {
      const request = (input ?? {}) as { params?: unknown; query?: unknown; payload?: unknown }
      const encodedParams = params === undefined ? {} : (params.encode(request.params) as Record<string, string>)
      const path = segments
        .map((segment) => (segment.startsWith(":") ? encodeURIComponent(encodedParams[segment.slice(1)] ?? "") : segment))
        .join("/")
      const search =
        query === undefined ? "" : `?${new URLSearchParams(query.encode(request.query) as Record<string, string>).toString()}`
      const body = payload === undefined || !methodsWithBody.has(method) ? undefined : JSON.stringify(payload.encodeJson(request.payload))
      const requestId = options.requestId()
      const response = await pool.request({
        method: method as "GET",
        path: `${path}${search}`,
        headers: {
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(requestId === undefined ? {} : { "x-request-id": requestId })
        },
        ...(body === undefined ? {} : { body })
      })
      const text = await response.body.text()
      if (response.statusCode === 404) throw new ResourceNotFound({ message: messageOf(text) })
      if (response.statusCode === 409) throw new ResourceConflict({ reason: reasonOf(text), message: messageOf(text) })
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw new Error(`${group.identifier}.${name} answered HTTP ${response.statusCode}`)
      }
      return success.decodeJson(JSON.parse(text))
    }
  }
  return calls as unknown as PromiseClient<G>
}

const field = (text: string, key: string): string => {
  try {
    const body: unknown = JSON.parse(text)
    if (typeof body === "object" && body !== null && key in body) return String((body as Record<string, unknown>)[key])
  } catch {
    // Not JSON: the caller gets the raw text instead.
  }
  return text
}
const messageOf = (text: string) => field(text, "message")
const reasonOf = (text: string) => field(text, "reason")
