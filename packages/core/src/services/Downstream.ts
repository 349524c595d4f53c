import { Config, Effect, Layer } from "effect"
import type * as Context from "effect/Context"
import { HttpClient } from "effect/http"
import type { HttpApi, HttpApiClient, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import type { Simplify } from "effect/Types"
import { makeContractClient } from "./ContractClient.ts"
import type { DownstreamFailure } from "./DownstreamErrors.ts"

/**
 * The request a downstream call takes: the contract's params, query and payload, as values. A
 * payload whose fields are all optional may be left out (it is sent as `{}`).
 */
export type CallRequest<E extends HttpApiEndpoint.ConstraintRequest> = Simplify<
  ([E["~Params"]["Type"]] extends [never] ? {} : { readonly params: E["~Params"]["Type"] }) &
    ([E["~Query"]["Type"]] extends [never] ? {} : { readonly query: E["~Query"]["Type"] }) &
    ([E["~Payload"]["Type"]] extends [never]
      ? {}
      : {} extends E["~Payload"]["Type"]
        ? { readonly payload?: E["~Payload"]["Type"] }
        : { readonly payload: E["~Payload"]["Type"] })
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

/** `sellerAdmin` → `SELLER_ADMIN_SERVICE_URL`: where live mode finds each service. */
export const urlEnvOf = (service: string): string =>
  `${service.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}_SERVICE_URL`

/**
 * The live layer of a downstream service, compiled from its contract (`makeContractClient`): the
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
      const httpClient = yield* HttpClient.HttpClient
      const calls = makeContractClient(api, { baseUrl, service, httpClient })
      // One method per endpoint of the contract, taking and returning its types, which
      // TypeScript cannot follow through the reflection that built them.
      return calls as unknown as Client<G>
    })
  )

type AnyCall = (request: unknown) => Effect.Effect<unknown, unknown>

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/**
 * Wraps every endpoint method of an operations object (a live client, a simulator) the
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
