import { cacheLookupCount } from "@orchestra/core/observability/Telemetry"
import type { BreakerState } from "@orchestra/core/resilience/CircuitBreaker"
import type { ResilienceShape } from "@orchestra/core/resilience/Resilience"
import { Effect, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"

const breakerStates: ReadonlyArray<BreakerState> = ["closed", "open", "half-open"]

const circuitState = Metric.gauge("orchestra_circuit_state", {
  description: "1 for the state each downstream service's circuit breaker is in, 0 for the others"
})
const circuitFailures = Metric.gauge("orchestra_circuit_consecutive_failures", {
  description: "Consecutive failures counted by each downstream service's circuit breaker"
})
const cacheHitRatio = Metric.gauge("orchestra_cache_hit_ratio", {
  description: "Cache hits / lookups of GET /cart?compute=false since start (0 before the first lookup)"
})

/**
 * The metrics in Prometheus text. Breaker states and the cache hit ratio are gauges read at
 * scrape time: the breakers live in `Resilience`, the ratio is derived from the lookup counters.
 */
export const prometheusText = (resilience: ResilienceShape) =>
  Effect.gen(function* () {
    for (const breaker of yield* resilience.states()) {
      for (const state of breakerStates) {
        yield* Metric.update(Metric.withAttributes(circuitState, { service: breaker.service, state }), breaker.state === state ? 1 : 0)
      }
      yield* Metric.update(Metric.withAttributes(circuitFailures, { service: breaker.service }), breaker.consecutiveFailures)
    }
    const hits = yield* cacheLookupCount("hit")
    const lookups = hits + (yield* cacheLookupCount("miss"))
    yield* Metric.update(cacheHitRatio, lookups === 0 ? 0 : hits / lookups)
    return yield* PrometheusMetrics.format()
  })
