import { Config, Effect, Layer, Option } from "effect"
import type * as Context from "effect/Context"
import { HttpClient, HttpClientRequest } from "effect/http"
import { type HttpApi, HttpApiClient, type HttpApiEndpoint, type HttpApiGroup } from "effect/http-api"
import type { Simplify } from "effect/Types"
import { CurrentDeadline } from "../runtime/CurrentDeadline.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import { DownstreamFailure } from "./DownstreamErrors.ts"

/** The request a downstream call takes: the contract's params, query and payload, as values. */
export type CallRequest<E extends HttpApiEndpoint.ConstraintRequest> = Simplify<
  ([E["~Params"]["Type"]] extends [never] ? {} : { readonly params: E["~Params"]["Type"] }) &
    ([E["~Query"]["Type"]] extends [never] ? {} : { readonly query: E["~Query"]["Type"] }) &
    ([E["~Payload"]["Type"]] extends [never] ? {} : { readonly payload: E["~Payload"]["Type"] })
>

export type CallSuccess<E extends HttpApiEndpoint.Constraint> = HttpApiClient.SuccessType<E["~Success"]>
export type CallError<E extends HttpApiEndpoint.Constraint> = E["~Error"]["Type"]

type EndpointsOf<G extends HttpApiGroup.Constraint> = {
  readonly [K in keyof G["endpoints"]]: G["endpoints"][K] extends HttpApiEndpoint.ConstraintRequest ? G["endpoints"][K] : never
}

/**
 * What a downstream service does, derived from its contract: one method per endpoint. `Extra` is
 * what can go wrong besides the declared errors — `DownstreamFailure` for a client, nothing for
 * a simulator that implements the contract.
 */
export type Operations<G extends HttpApiGroup.Constraint, Extra = never> = {
  readonly [K in keyof EndpointsOf<G>]: (
    request: CallRequest<EndpointsOf<G>[K]>
  ) => Effect.Effect<CallSuccess<EndpointsOf<G>[K]>, CallError<EndpointsOf<G>[K]> | Extra>
}

/** The shape of every downstream service tag. */
export type Client<G extends HttpApiGroup.Constraint> = Operations<G, DownstreamFailure>

/** The client-side view of a failed call, for the step runner's error mapping. */
export const toDownstreamFailure =
  (service: string, endpoint: string) =>
  (error: unknown): DownstreamFailure => {
    const described = describeFailure(error)
    return new DownstreamFailure({ service, endpoint, ...described })
  }

const describeFailure = (
  error: unknown
): { reason: DownstreamFailure["reason"]; status?: number; message: string } => {
  if (typeof error === "object" && error !== null && "_tag" in error) {
    if (error._tag === "HttpClientError" && "reason" in error && typeof error.reason === "object" && error.reason !== null) {
      const reason = error.reason
      if ("response" in reason && typeof reason.response === "object" && reason.response !== null && "status" in reason.response) {
        const status = Number(reason.response.status)
        return { reason: "Status", status, message: `answered HTTP ${status}` }
      }
      return { reason: "Transport", message: "message" in error ? String(error.message) : "transport failure" }
    }
    if (error._tag === "SchemaError") {
      return { reason: "Decode", message: "message" in error ? String(error.message) : "response does not match the contract" }
    }
    if (error._tag === "TimeoutError") return { reason: "Timeout", message: "timed out" }
  }
  return { reason: "Transport", message: String(error) }
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** Declared errors (404/409 bodies) keep their tags; everything else becomes a DownstreamFailure. */
const isDeclaredError = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  "_tag" in error &&
  (error._tag === "ResourceNotFound" || error._tag === "ResourceConflict")

/**
 * Tells the service which request it serves and when the caller stops waiting, so its logs join
 * ours and it can drop work nobody awaits. Read per call: both belong to the request, not the layer.
 */
const withRequestHeaders = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.gen(function* () {
    const context = yield* Effect.serviceOption(RequestContext)
    const deadline = yield* CurrentDeadline
    return HttpClientRequest.setHeaders(request, {
      ...(Option.isSome(context) ? { "x-request-id": context.value.requestId } : {}),
      ...(deadline === undefined ? {} : { "x-request-deadline": String(deadline) })
    })
  })

/** `sellerAdmin` → `SELLER_ADMIN_SERVICE_URL`: where live mode finds each service. */
export const urlEnvOf = (service: string): string =>
  `${service.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}_SERVICE_URL`

/**
 * The live layer of a downstream service, derived from its contract with `HttpApiClient`: the
 * same contract the simulators serve, so client, simulator and contract check cannot drift.
 */
export const liveLayer = <Self, ApiId extends string, G extends HttpApiGroup.Constraint>(
  tag: Context.Service<Self, Client<G>>,
  api: HttpApi.HttpApi<ApiId, G>,
  /** The service key as the trace names it, e.g. `inventory`. */
  service: string
) =>
  Layer.effect(
    tag,
    Effect.gen(function* () {
      const baseUrl = yield* Config.String(urlEnvOf(service))
      const client: unknown = yield* HttpApiClient.make(api, {
        baseUrl,
        transformClient: (client) =>
          client.pipe(HttpClient.mapRequest(HttpClientRequest.acceptJson), HttpClient.mapRequestEffect(withRequestHeaders))
      })
      const group = isRecord(client) ? Object.values(client)[0] : undefined
      return mapOperations<G, DownstreamFailure>(group, (endpoint, call) => {
        const toFailure = toDownstreamFailure(service, endpoint)
        return (request) =>
          Effect.suspend(() => call(request)).pipe(
            Effect.mapError((error) => (isDeclaredError(error) ? error : toFailure(error)))
          )
      })
    })
  )

type AnyCall = (request: unknown) => Effect.Effect<unknown, unknown>

/**
 * Wraps every endpoint method of an operations object (a generated client, a simulator) the
 * same way: the seam for error mapping, fault injection and recording. `wrap` must keep each
 * method's request and success types; only `Extra` may be added to the error channel.
 */
export const mapOperations = <G extends HttpApiGroup.Constraint, Extra>(
  operations: unknown,
  wrap: (endpoint: string, call: AnyCall) => AnyCall
): Operations<G, Extra> => {
  const wrapped: Record<string, AnyCall> = {}
  for (const [endpoint, call] of Object.entries(isRecord(operations) ? operations : {})) {
    if (typeof call !== "function") continue
    // An endpoint method: request object in, effect out, needing no services.
    wrapped[endpoint] = wrap(endpoint, call as AnyCall)
  }
  // Same keys and request/success types as the contract's endpoints, which TypeScript cannot
  // follow through Object.entries.
  return wrapped as unknown as Operations<G, Extra>
}
