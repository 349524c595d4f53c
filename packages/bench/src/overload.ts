import { figuresOf, runLoad } from "./load.ts"
import { type OpenLoopRequest, type OpenLoopRun, runOpenLoop } from "./openLoop.ts"
import type { Server } from "./procs.ts"
import type { OverloadResult } from "./results.ts"
import { identityOf, request, type RunOptions, startGroupServers } from "./run.ts"
import { gatewayHeaders, type Group, placeOrderBody, type Scenario, type Side, sidePrefix } from "./scenarios.ts"

/** The arrival rates, as multiples of each side's measured capacity. */
export const OVERLOAD_MULTIPLES: ReadonlyArray<number> = [0.5, 1, 2, 4]
/** The request deadline both sides are held to (ours' `ORCHESTRA_REQUEST_DEADLINE_MS` default). */
const DEADLINE_MS = 5_000
/** Capacity is the throughput of a closed loop at this many connections: enough to keep the CPU busy, not enough to queue. */
const CAPACITY_CONNECTIONS = 10

export interface OverloadOptions extends RunOptions {
  /** Measured seconds per side and rate. */
  readonly pointS: number
  readonly capacityS: number
  readonly flows: ReadonlyArray<OverloadResult["flow"]>
}

const scenarioOf = (flow: OverloadResult["flow"]): Scenario =>
  flow === "full-get" ? { flow, lines: 20, connections: CAPACITY_CONNECTIONS } : { flow, lines: 1, connections: CAPACITY_CONNECTIONS }

/** Downstream attempts and retries so far, from ours' /metrics (summed over services). */
const retryCounters = async (port: number) => {
  const text = (await request(port, "GET", "/metrics", {})).text
  const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0)
  return {
    attempts: sum(/^orchestra_downstream_calls_total\{[^}]*\} (\d+)/gm),
    retried: sum(/^orchestra_downstream_retries_total\{[^}]*outcome="retried"[^}]*\} (\d+)/gm),
    budgetExhausted: sum(/^orchestra_downstream_retries_total\{[^}]*outcome="budget_exhausted"[^}]*\} (\d+)/gm)
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits (at most 30 s) until none of ours' circuit breakers is open or half-open. Both sides share
 * one sandbox: the baseline's overloaded runs leave it a backlog that can time out ours' next calls
 * and open a breaker, which would then refuse ours' next run for its whole cool-down — a cost of the
 * shared bench, not of ours. Measured runs start from closed circuits (a probe GET lets them retry).
 */
const settle = async (oursPort: number, log: (line: string) => void) => {
  for (let waited = 0; waited < 30_000; waited += 500) {
    const text = (await request(oursPort, "GET", "/metrics", {})).text
    if (!/^orchestra_circuit_state\{[^}]*state="(open|half-open)"[^}]*\} 1\b/m.test(text)) return
    if (waited === 0) log("  waiting for ours' circuit breakers to close (the shared sandbox is digesting the last run)")
    await sleep(500)
    // A breaker tries the service again only when a call comes: a full GET calls most of them.
    await request(oursPort, "GET", "/cart", gatewayHeaders("GET", "/cart", identityOf(scenarioOf("full-get"), "ours", 0)))
  }
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits

const resultOf = (
  flow: OverloadResult["flow"],
  side: Side,
  capacity: number,
  multiple: number,
  run: OpenLoopRun,
  retries: OverloadResult["retries"]
): OverloadResult => {
  const figures = figuresOf([{ ok: run.good, non2xx: 0, errors: 0, elapsedS: run.elapsedS, latencies: run.latencies, statuses: {} }])
  const { 503: refused = 0, ...others } = run.statuses
  const goodput = run.good / run.elapsedS
  return {
    flow,
    side,
    capacity_rps: round(capacity, 1),
    multiple,
    offered_rps: round(run.sent / run.elapsedS, 1),
    goodput_rps: round(goodput, 1),
    goodput_ratio: round(goodput / capacity),
    p50_ms: Number.isFinite(figures.p50_ms) ? figures.p50_ms : null,
    p99_ms: Number.isFinite(figures.p99_ms) ? figures.p99_ms : null,
    refused,
    other_statuses: others,
    late: run.late,
    errors: run.errors,
    degraded: run.degraded,
    retries
  }
}

/**
 * The open-loop overload scenario (issue 15): requests arrive at a fixed rate whatever the server
 * answers, at 0.5, 1, 2 and 4 times each side's own measured capacity, over HTTP downstreams. Ours
 * runs as deployed, with its admission gate and retry budget; the baseline has neither. Reported per
 * side and rate: goodput (2xx within the 5 s deadline), the latency of what was served, what was
 * refused, degraded or late, and ours' retries against its downstream calls.
 */
export const runOverload = async (options: OverloadOptions): Promise<ReadonlyArray<OverloadResult>> => {
  const { log } = options
  const scenarios = options.flows.map(scenarioOf)
  const group: Group = { mode: "http", store: "memory", latencyMs: 0, scenarios }
  const servers: Array<Server> = []
  try {
    // Ours as deployed: admission control on (adaptive), the bench's guests each placing one order.
    const { ours, baseline } = await startGroupServers(group, options, { ORCHESTRA_LIMIT_MUTATIONS_PER_S: "0" }, servers)
    const serverOf = (side: Side) => (side === "ours" ? ours : baseline)
    const results: Array<OverloadResult> = []
    const nextOrder: Record<Side, number> = { ours: 0, baseline: 0 }
    for (const scenario of scenarios) {
      const flow = scenario.flow === "full-get" ? "full-get" : "place-order"
      let net = 0
      if (flow === "place-order") {
        const probe = await request(ours.port, "GET", "/cart?compute=false", gatewayHeaders("GET", "/cart", identityOf(scenario, "ours", 0)))
        net = (JSON.parse(probe.text) as { cart: { totals: { net_payable: number } } }).cart.totals.net_payable
      }
      // Readers share a pool of owners, their headers signed once (valid 300 s); each order is a new guest's cart.
      const readerHeaders = (side: Side) =>
        Array.from({ length: options.sizes.readers }, (_, i) => gatewayHeaders("GET", "/cart", identityOf(scenario, side, i)))
      const nextRequest = (side: Side) => {
        const readers = flow === "full-get" ? readerHeaders(side) : []
        return (i: number): OpenLoopRequest | undefined => {
          if (flow === "full-get") return { method: "GET", path: "/cart", headers: readers[i % readers.length]! }
          const order = nextOrder[side]++
          if (order >= options.sizes.orders) return undefined
          return {
            method: "POST",
            path: "/cart/place-order",
            headers: {
              ...gatewayHeaders("POST", "/cart/place-order", identityOf(scenario, side, order)),
              "idempotency-key": `${sidePrefix(side)}overload-${order}`
            },
            body: placeOrderBody(net)
          }
        }
      }

      const capacity: Record<Side, number> = { ours: 0, baseline: 0 }
      const closedLoop = (side: Side, durationS: number) => {
        const next = nextRequest(side)
        return runLoad({
          port: serverOf(side).port,
          connections: CAPACITY_CONNECTIONS,
          durationS,
          method: flow === "full-get" ? "GET" : "POST",
          path: flow === "full-get" ? "/cart" : "/cart/place-order",
          connectionHeaders: () => ({}),
          ...(flow === "place-order" ? { body: placeOrderBody(net) } : {}),
          perRequest: (i) => {
            const r = next(i)
            return r === undefined ? undefined : { headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) }
          }
        })
      }
      for (const side of ["ours", "baseline"] as const) {
        await settle(ours.port, log)
        if (options.warmupS > 0) await closedLoop(side, options.warmupS)
        capacity[side] = figuresOf([await closedLoop(side, options.capacityS)]).rps
        log(`  ${flow} ${side}: capacity ${capacity[side]} rps (closed loop, ${CAPACITY_CONNECTIONS} connections)`)
      }

      for (const [index, multiple] of OVERLOAD_MULTIPLES.entries()) {
        for (const side of index % 2 === 0 ? (["ours", "baseline"] as const) : (["baseline", "ours"] as const)) {
          if (capacity[side] <= 0) continue
          await settle(ours.port, log)
          const before = side === "ours" ? await retryCounters(ours.port) : undefined
          const run = await runOpenLoop({
            port: serverOf(side).port,
            ratePerS: capacity[side] * multiple,
            durationS: options.pointS,
            deadlineMs: DEADLINE_MS,
            request: nextRequest(side)
          })
          let retries: OverloadResult["retries"] = null
          if (before !== undefined) {
            const after = await retryCounters(ours.port)
            const retried = after.retried - before.retried
            retries = { retried, budget_exhausted: after.budgetExhausted - before.budgetExhausted, calls: after.attempts - before.attempts - retried }
          }
          const result = resultOf(flow, side, capacity[side], multiple, run, retries)
          results.push(result)
          log(
            `  ${flow} ${side} ${multiple}×: offered ${result.offered_rps} rps, goodput ${result.goodput_rps} (${result.goodput_ratio} of capacity), p50/p99 ${result.p50_ms}/${result.p99_ms} ms, 503 ${result.refused}, late ${result.late}, errors ${result.errors}, degraded ${result.degraded}${retries === null ? "" : `, retries ${retries.retried}/${retries.calls} calls`}`
          )
        }
      }
    }
    return results
  } finally {
    for (const server of [...servers].reverse()) await server.stop()
  }
}
