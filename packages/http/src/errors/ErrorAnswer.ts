import type { ApiError } from "@orchestra/core/domain/Errors"
import { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { Effect, Option } from "effect"
import type { ErrorBody } from "../api/ErrorBody.ts"

export interface ErrorFacts {
  readonly code: string
  readonly message: string
  readonly service?: string | undefined
  readonly details?: unknown
}

export const errorBodyFor = (requestId: string, facts: ErrorFacts): ErrorBody => ({
  success: false as const,
  error: {
    code: facts.code,
    message: facts.message,
    ...(facts.service === undefined ? {} : { service: facts.service }),
    ...(facts.details === undefined ? {} : { details: facts.details })
  },
  request_id: requestId
})

/**
 * The error body for the current request. Middleware cannot declare a per-request requirement, so
 * the request id is looked up optionally; `RequestScope` provides it for every request.
 */
export const errorBody = (facts: ErrorFacts): Effect.Effect<ErrorBody> =>
  Effect.map(Effect.serviceOption(RequestContext), (context) =>
    errorBodyFor(Option.match(context, { onNone: () => "unknown", onSome: (c) => c.requestId }), facts)
  )

export const fromApiError = (error: ApiError): Effect.Effect<ErrorBody> =>
  errorBody({
    code: error._tag,
    message: error.message,
    service: "service" in error ? error.service : undefined,
    details: error.details
  })

/** A flow's typed failures as the public error body, for the endpoint to encode with its status. */
export const answerApiErrors = <A, R>(effect: Effect.Effect<A, ApiError, R>): Effect.Effect<A, ErrorBody, R> =>
  Effect.catch(effect, (error) => Effect.flatMap(fromApiError(error), Effect.fail))
