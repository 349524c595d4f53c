import { CheckoutAdmission } from "@orchestra/core/checkout/CheckoutAdmission"
import { CheckoutStorageProbe } from "@orchestra/core/checkout/CheckoutStorageProbe"
import { Resilience } from "@orchestra/core/resilience/Resilience"
import { CheckoutRegistry } from "@orchestra/core/stores/CheckoutRegistry"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { prometheusText } from "../ops/Metrics.ts"
import { Admission } from "../overload/Admission.ts"
import { Readiness } from "../ops/Readiness.ts"

export const OpsHandlers = HttpApiBuilder.group(PublicApi, "ops", (handlers) =>
  Effect.gen(function* () {
    const readiness = yield* Readiness
    const checkoutStorage = yield* CheckoutStorageProbe
    // The breakers the server was built with (ResilienceLive) and the checkout registry, read when /metrics is scraped.
    const resilience = yield* Resilience
    const admission = yield* Admission
    const registry = yield* CheckoutRegistry
    const checkoutAdmission = yield* CheckoutAdmission
    return handlers
      .handle("health", () => Effect.succeed({ status: "ok" as const }))
      .handle("ready", () =>
        Effect.gen(function* () {
          const { redis, checkouts } = yield* Effect.all({ redis: readiness.redis, checkouts: checkoutStorage.state }, { concurrency: 2 })
          if (redis === "down" || checkouts === "down") return yield* Effect.fail({ status: "unavailable" as const, redis, checkouts })
          return { status: "ok" as const, redis, checkouts }
        })
      )
      .handle("metrics", () => prometheusText(resilience, admission.stats(), registry, checkoutAdmission))
  })
)
