import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { RequestIdHeader } from "./Headers.ts"

export const Health = Schema.Struct({ status: Schema.Literal("ok") })

export const RedisState = Schema.Literals(["up", "down", "not configured"])

export const Ready = Schema.Struct({ status: Schema.Literal("ok"), redis: RedisState }).annotate({ identifier: "Ready" })
export const NotReady = Schema.Struct({ status: Schema.Literal("unavailable"), redis: RedisState }).annotate({
  identifier: "NotReady",
  description: "A configured Redis does not answer",
  httpApiStatus: 503
})

export const OpsGroup = HttpApiGroup.make("ops")
  .add(
    HttpApiEndpoint.get("health", "/health", { headers: RequestIdHeader, success: Health }).annotate(
      OpenApi.Summary,
      "Liveness: the process answers"
    ),
    HttpApiEndpoint.get("ready", "/ready", { headers: RequestIdHeader, success: Ready, error: NotReady }).annotate(
      OpenApi.Summary,
      "Readiness: the stores answer"
    )
  )
  .annotate(OpenApi.Description, "Probes for the orchestrator's own health.")
