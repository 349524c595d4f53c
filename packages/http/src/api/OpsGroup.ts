import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { RequestIdHeader } from "./Headers.ts"

export const Health = Schema.Struct({ status: Schema.Literal("ok") })

export const RedisState = Schema.Literals(["up", "down", "not configured"])

/** The checkout engine's storage: `memory` without `DATABASE_URL`, else whether its PostgreSQL answers. */
export const CheckoutsState = Schema.Literals(["memory", "up", "down"])

export const Ready = Schema.Struct({ status: Schema.Literal("ok"), redis: RedisState, checkouts: CheckoutsState }).annotate({ identifier: "Ready" })
export const NotReady = Schema.Struct({ status: Schema.Literal("unavailable"), redis: RedisState, checkouts: CheckoutsState }).annotate({
  identifier: "NotReady",
  description: "A configured Redis, or the checkout database (DATABASE_URL), does not answer",
  httpApiStatus: 503
})

/** The Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

export const MetricsText = Schema.String.pipe(HttpApiSchema.asText({ contentType: PROMETHEUS_CONTENT_TYPE })).annotate({
  description:
    "Prometheus text: orchestra_http_requests_total and orchestra_http_request_duration_seconds (method, route, status), orchestra_downstream_calls_total and orchestra_downstream_call_duration_seconds (service, outcome), orchestra_circuit_state (service, state) and orchestra_circuit_consecutive_failures (service), orchestra_cache_lookups_total (result) and orchestra_cache_hit_ratio, orchestra_checkouts_total (phase, outcome), orchestra_checkout_stuck_steps_total (step), orchestra_checkouts (state) and orchestra_checkout_oldest_unfinished_seconds (read from the checkout registry when scraped), orchestra_downstream_retries_total (service, outcome), orchestra_rate_limited_total (limit), orchestra_admission_limit, orchestra_admission_in_flight, orchestra_admission_queued and orchestra_admission_refused_total (reason), orchestra_admission_checkouts_limit, orchestra_admission_checkouts_starting and orchestra_admission_checkouts_refused_total"
})

export const OpsGroup = HttpApiGroup.make("ops")
  .add(
    HttpApiEndpoint.get("health", "/health", { headers: RequestIdHeader, success: Health })
      .annotate(OpenApi.Summary, "Liveness: the process answers")
      .annotate(OpenApi.Description, "200 while the process serves requests; no store or downstream service is asked."),
    HttpApiEndpoint.get("ready", "/ready", { headers: RequestIdHeader, success: Ready, error: NotReady })
      .annotate(OpenApi.Summary, "Readiness: the stores and the checkout database answer")
      .annotate(
        OpenApi.Description,
        "503 while a configured Redis does not answer (reads still work, place-order does not), or while the checkout engine's PostgreSQL (DATABASE_URL) does not answer a SELECT 1 within 1 s."
      ),
    HttpApiEndpoint.get("metrics", "/metrics", { headers: RequestIdHeader, success: MetricsText })
      .annotate(OpenApi.Summary, "Metrics in Prometheus text format")
      .annotate(OpenApi.Description, "Counters and histograms labelled by route template, service and outcome, never by id.")
  )
  .annotate(OpenApi.Description, "Probes and metrics for the orchestrator's own health.")
