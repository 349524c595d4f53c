import { MAX_IDEMPOTENCY_KEY_LENGTH } from "@orchestra/core/domain/IdempotencyKey"
import { recordHttpRequest } from "@orchestra/core/observability/Telemetry"
import { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { ByteSize, Cause, Clock, Effect, Option, Schema, Tracer } from "effect"
import {
  HttpIncomingMessage,
  HttpRouter,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse,
  HttpTraceContext
} from "effect/http"
import { ServerConfig } from "../config/ServerConfig.ts"
import { Admission } from "../overload/Admission.ts"
import { type ErrorFacts, errorBodyFor } from "../errors/ErrorAnswer.ts"
import { routeOf } from "../ops/routes.ts"
import { addTrace, wantsTrace } from "./DebugTrace.ts"
import { IDEMPOTENCY_KEY_HEADER } from "./Idempotency.ts"
import { REQUEST_ID_HEADER, requestIdFrom } from "./RequestId.ts"
import { pathOf } from "./requestPath.ts"
import { responseContentType, responseText } from "./responseText.ts"

/** DESIGN §3: larger bodies get 413 before any of them is parsed. */
export const MAX_BODY_KIB = 64
export const MAX_BODY_SIZE = ByteSize.kibibytes(MAX_BODY_KIB)

const answer = (requestId: string, status: number, facts: ErrorFacts) =>
  HttpServerResponse.jsonUnsafe(errorBodyFor(requestId, facts), {
    status,
    // The rest of an oversized body is never read, so the connection cannot be reused.
    ...(status === 413 ? { headers: { connection: "close" } } : {})
  })

/** What fails past the API's own error handling: unknown routes, unreadable bodies, defects. */
const edgeAnswer = (requestId: string, request: HttpServerRequest.HttpServerRequest, cause: Cause.Cause<unknown>) => {
  const failure = Cause.squash(cause)
  if (HttpServerError.isHttpServerError(failure)) {
    const reason = failure.reason
    if (reason._tag === "RouteNotFound") {
      return Effect.succeed(answer(requestId, 404, { code: "NOT_FOUND", message: `No route for ${request.method} ${pathOf(request.url)}` }))
    }
    if (reason._tag === "RequestParseError") {
      return Effect.succeed(
        reason.reason === "BodyTooLarge"
          ? answer(requestId, 413, { code: "PAYLOAD_TOO_LARGE", message: `The body is larger than ${MAX_BODY_KIB} KiB` })
          : answer(requestId, 400, { code: "INVALID_REQUEST", message: "The request body could not be read" })
      )
    }
  }
  return Effect.as(
    Effect.logError("unexpected failure", cause),
    answer(requestId, 500, { code: "INTERNAL", message: "Unexpected failure; quote the request id when reporting it" })
  )
}

// Framework answers without a JSON body (415 for another content type, an empty 413) get the error shape too.
const codeOfStatus: Record<number, string> = {
  400: "INVALID_REQUEST",
  404: "NOT_FOUND",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE"
}
const withErrorShape = (requestId: string, response: HttpServerResponse.HttpServerResponse) => {
  if (response.status < 400 || responseContentType(response)?.includes("json")) return response
  const code = codeOfStatus[response.status] ?? (response.status >= 500 ? "INTERNAL" : "INVALID_REQUEST")
  const message = response.status === 415 ? "The body must be JSON (content-type: application/json)" : `HTTP ${response.status}`
  return answer(requestId, response.status, { code, message })
}

const RetryHint = Schema.fromJsonString(Schema.Struct({ error: Schema.Struct({ details: Schema.Struct({ retry_after_s: Schema.Int }) }) }))
const decodeRetryHint = Schema.decodeUnknownOption(RetryHint)

/** A 429 says when to come back in its body (`error.details.retry_after_s`); clients and proxies read `Retry-After`. */
const withRetryAfter = (response: HttpServerResponse.HttpServerResponse) => {
  if (response.status !== 429) return response
  const hint = decodeRetryHint(responseText(response))
  return Option.isSome(hint)
    ? HttpServerResponse.setHeader(response, "retry-after", String(hint.value.error.details.retry_after_s))
    : response
}

const usableIdempotencyKey = (key: string | undefined) =>
  key !== undefined && key.length > 0 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH ? key : undefined

/**
 * Wraps every request, routed or not: takes or makes the request id, opens the `RequestContext`
 * (deadline from the request's arrival at the admission gate, idempotency key, trace), caps the body at 64 KiB, answers whatever escaped the API
 * with the error shape, adds the debug trace when asked, echoes `x-request-id`, writes one
 * access log line and counts the request in the metrics (by route template, method and status).
 * Every log line of the request carries its request id and the trace and span ids of the
 * request's server span. A global router middleware, as only those see (and may change) the
 * response before it is written.
 */
export const RequestScope = HttpRouter.middleware<{ provides: RequestContext }>()(
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const admission = yield* Admission
    return (app) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const requestId = yield* requestIdFrom(request.headers[REQUEST_ID_HEADER])
        const context = yield* RequestContext.make({
          requestId,
          deadlineMs: config.requestDeadlineMs,
          idempotencyKey: usableIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]),
          // Time spent waiting in the admission gate's line comes off the deadline.
          arrivedAt: admission.arrivedAt(request.source)
        })
        const path = pathOf(request.url)
        const route = routeOf(request.method, path)
        const handle = (span: Tracer.AnySpan) =>
          Effect.gen(function* () {
            const answered = yield* app.pipe(
              Effect.provideService(RequestContext, context),
              Effect.provideService(HttpIncomingMessage.MaxBodySize, MAX_BODY_SIZE),
              Effect.catchCause((cause) =>
                Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : edgeAnswer(requestId, request, cause)
              )
            )
            const shaped = withRetryAfter(withErrorShape(requestId, answered))
            const traced = wantsTrace(config.debugTrace, request) ? addTrace(shaped, context.trace) : shaped
            const response = HttpServerResponse.setHeaders(traced, { ...context.responseHeaders, [REQUEST_ID_HEADER]: requestId })
            const durationMs = (yield* Clock.currentTimeMillis) - context.startedAt
            yield* Effect.logInfo("request").pipe(
              Effect.annotateLogs({ method: request.method, path, status: response.status, duration_ms: durationMs })
            )
            yield* recordHttpRequest({ method: request.method, route, status: response.status }, durationMs / 1000)
            return response
          }).pipe(Effect.annotateLogs({ request_id: requestId, trace_id: span.traceId, span_id: span.spanId }))
        // The HTTP server's span for this request, which continues the caller's `traceparent`. Effect
        // skips it while no exporter is configured; a local one then still gives the logs a trace
        // id, and the downstream calls the caller's trace. Looked up as an option: failing the lookup
        // (`Effect.currentParentSpan`) would build an error with a stack trace on every request.
        const serverSpan = yield* Effect.serviceOption(Tracer.ParentSpan)
        if (Option.isSome(serverSpan)) return yield* handle(serverSpan.value)
        const callerSpan = HttpTraceContext.fromHeaders(request.headers)
        return yield* Effect.useSpan(
          `${request.method} ${route}`,
          { kind: "server", ...(Option.isSome(callerSpan) ? { parent: callerSpan.value } : {}) },
          // No call-site stack for this span: it would always point here, and capturing it costs an `Error` per request.
          (span) => Effect.withParentSpan(handle(span), span, { captureStackTrace: false })
        )
      })
  }),
  { global: true }
)
