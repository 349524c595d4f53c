import { Resilience } from "@orchestra/core/resilience/Resilience"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { prometheusText } from "../ops/Metrics.ts"
import { Admission } from "../overload/Admission.ts"
import { Readiness } from "../ops/Readiness.ts"

export const OpsHandlers = HttpApiBuilder.group(PublicApi, "ops", (handlers) =>
  Effect.gen(function* () {
    const readiness = yield* Readiness
    // The breakers the server was built with (ResilienceLive), read when /metrics is scraped.
    const resilience = yield* Resilience
    const admission = yield* Admission
    return handlers
      .handle("health", () => Effect.succeed({ status: "ok" as const }))
      .handle("ready", () =>
        Effect.gen(function* () {
          const redis = yield* readiness.redis
          if (redis === "down") return yield* Effect.fail({ status: "unavailable" as const, redis })
          return { status: "ok" as const, redis }
        })
      )
      .handle("metrics", () => prometheusText(resilience, admission.stats()))
  })
)
