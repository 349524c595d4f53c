import type { CheckoutAdmissionShape } from "@orchestra/core/checkout/CheckoutAdmission"
import { cacheLookupCount } from "@orchestra/core/observability/Telemetry"
import type { BreakerState } from "@orchestra/core/resilience/CircuitBreaker"
import type { ResilienceShape } from "@orchestra/core/resilience/Resilience"
import { type CheckoutCounts, type CheckoutRegistryShape, CheckoutState } from "@orchestra/core/stores/CheckoutRegistry"
import { Clock, Effect, Metric, Option } from "effect"
import { PrometheusMetrics } from "effect/observability"
import type { AdmissionStats, Refusal } from "../overload/AdmissionGate.ts"

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

const admissionLimit = Metric.gauge("orchestra_admission_limit", {
  description: "Requests the admission gate lets run at once now (adaptive unless ORCHESTRA_MAX_IN_FLIGHT fixes it)"
})
const admissionInFlight = Metric.gauge("orchestra_admission_in_flight", { description: "Requests running behind the admission gate" })
const admissionQueued = Metric.gauge("orchestra_admission_queued", { description: "Requests waiting in the admission gate's line" })
const admissionRefusals: ReadonlyArray<Refusal> = ["queue_full", "deadline"]
const admissionRefused = Metric.counter("orchestra_admission_refused_total", {
  description: "Requests answered 503 OVERLOADED by the admission gate, by reason: queue_full, deadline (could not be served in time)",
  incremental: true
})
// The gate counts in plain numbers; each scrape adds what it counted since the one before.
const refusedReported: Record<Refusal, number> = { queue_full: 0, deadline: 0 }

const recordAdmission = (stats: AdmissionStats) =>
  Effect.gen(function* () {
    yield* Metric.update(admissionLimit, stats.limit)
    yield* Metric.update(admissionInFlight, stats.inFlight)
    yield* Metric.update(admissionQueued, stats.queued)
    for (const reason of admissionRefusals) {
      yield* Metric.update(Metric.withAttributes(admissionRefused, { reason }), stats.refused[reason] - refusedReported[reason])
      refusedReported[reason] = stats.refused[reason]
    }
  })

const checkoutAdmissionLimit = Metric.gauge("orchestra_admission_checkouts_limit", {
  description: "Checkouts this process lets start at once before their first answer (adaptive unless ORCHESTRA_MAX_STARTING_CHECKOUTS fixes it)"
})
const checkoutAdmissionStarting = Metric.gauge("orchestra_admission_checkouts_starting", {
  description: "Checkouts started by this process whose first answer has not come yet"
})
const checkoutAdmissionRefused = Metric.counter("orchestra_admission_checkouts_refused_total", {
  description: "Place-orders with a new key answered 503 OVERLOADED by checkout admission, before anything was started",
  incremental: true
})
// Refusals counted by each checkout admission (one per server; tests build several) up to its last scrape.
const checkoutRefusedReported = new WeakMap<CheckoutAdmissionShape, number>()

const recordCheckoutAdmission = (admission: CheckoutAdmissionShape) =>
  Effect.gen(function* () {
    const stats = admission.stats()
    if (stats === undefined) return
    yield* Metric.update(checkoutAdmissionLimit, stats.limit)
    yield* Metric.update(checkoutAdmissionStarting, stats.starting)
    yield* Metric.update(checkoutAdmissionRefused, stats.refused - (checkoutRefusedReported.get(admission) ?? 0))
    checkoutRefusedReported.set(admission, stats.refused)
  })

/** How long a scrape waits for the checkout registry before it leaves the checkout series out. */
const REGISTRY_READ_TIMEOUT = "2 seconds"

const checkoutsText = (counts: CheckoutCounts, now: number): string => {
  const byState = new Map(counts.byState.map(({ state, count }) => [state, count]))
  const oldestSeconds = Option.match(counts.oldestUnfinishedAt, { onNone: () => 0, onSome: (at) => Math.max(0, now - at) / 1000 })
  return [
    "# HELP orchestra_checkouts Checkouts in the checkout registry by state (with DATABASE_URL, every instance's: each reports the same)",
    "# TYPE orchestra_checkouts gauge",
    ...CheckoutState.literals.map((state) => `orchestra_checkouts{state="${state}"} ${byState.get(state) ?? 0}`),
    "# HELP orchestra_checkout_oldest_unfinished_seconds Age of the oldest checkout not yet in a terminal state (0 when none)",
    "# TYPE orchestra_checkout_oldest_unfinished_seconds gauge",
    `orchestra_checkout_oldest_unfinished_seconds ${oldestSeconds}`,
    ""
  ].join("\n")
}

/**
 * The checkout series, read from the registry when scraped. Written as text rather than kept as
 * Effect gauges: a gauge keeps its last value, and when the registry does not answer the scrape
 * must leave these series out (and still answer), not repeat stale figures.
 */
const checkoutSeries = (registry: CheckoutRegistryShape) =>
  registry.counts.pipe(
    Effect.timeout(REGISTRY_READ_TIMEOUT),
    Effect.flatMap((counts) => Effect.map(Clock.currentTimeMillis, (now) => checkoutsText(counts, now))),
    Effect.catchCause((cause) => Effect.as(Effect.logWarning("checkout series left out of /metrics: the checkout registry did not answer", cause), ""))
  )

/**
 * The metrics in Prometheus text. Breaker states and the cache hit ratio are gauges read at
 * scrape time: the breakers live in `Resilience`, the ratio is derived from the lookup counters, the
 * admission figures are the gate's and checkout admission's. The checkout series come from the checkout registry.
 */
export const prometheusText = (
  resilience: ResilienceShape,
  admission: AdmissionStats | undefined,
  registry: CheckoutRegistryShape,
  checkoutAdmission: CheckoutAdmissionShape
) =>
  Effect.gen(function* () {
    if (admission !== undefined) yield* recordAdmission(admission)
    yield* recordCheckoutAdmission(checkoutAdmission)
    for (const breaker of yield* resilience.states()) {
      for (const state of breakerStates) {
        yield* Metric.update(Metric.withAttributes(circuitState, { service: breaker.service, state }), breaker.state === state ? 1 : 0)
      }
      yield* Metric.update(Metric.withAttributes(circuitFailures, { service: breaker.service }), breaker.consecutiveFailures)
    }
    const hits = yield* cacheLookupCount("hit")
    const lookups = hits + (yield* cacheLookupCount("miss"))
    yield* Metric.update(cacheHitRatio, lookups === 0 ? 0 : hits / lookups)
    return (yield* PrometheusMetrics.format()) + (yield* checkoutSeries(registry))
  })
