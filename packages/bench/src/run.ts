import { redisAnswers as redisAnswersAt } from "@orchestra/core/stores/redisAnswers"
import { freePort } from "@orchestra/testkit/net/freePort"
import { sandboxServiceUrls } from "@orchestra/testkit/sandbox/SandboxServer"
import { Redis } from "ioredis"
import { createBenchDatabase, STATISTICS_DELAY_MS } from "./benchDatabase.ts"
import { figuresOf, type LoadFigures, type LoadRun, type LoadSpec, runLoad } from "./load.ts"
import { type Server, sampleRss, startServer } from "./procs.ts"
import type { ScenarioResult, SideResult } from "./results.ts"
import {
  criticalCalls,
  GATEWAY_SECRET,
  type Group,
  gatewayHeaders,
  type Identity,
  itemsBody,
  type PoolSizes,
  placeOrderBody,
  poolOf,
  type Scenario,
  type Side,
  scenarioName,
  seedPlanFor,
  sidePrefix
} from "./scenarios.ts"
import { encodeSeedPlan, SEED_ENV } from "./seed.ts"

/** The three processes' entry files: `dist/bench/*.js` bundles, or `src/*.ts` with `--from-source`. */
export interface Entries {
  readonly ours: string
  readonly baseline: string
  readonly sandbox: string
}

/**
 * Node flags ours and the baseline start with unless `--node-flags` says otherwise: the set we
 * recommend for production (packages/bench/RESULTS.md, Notes: RSS). Without them V8, seeing 24 GB
 * free, lets the young generation grow to 128 MB and the old one to four times its live data
 * before a full collection, so a loaded server sits at 350–450 MB of mostly garbage. A young
 * generation of 2 × 8 MB and a full collection once the old generation has doubled (V8's own
 * `--heap-growing-percent`, instead of `--max-old-space-size`, which also shrinks the growth but
 * cost 20 % more CPU) bring the peak to ~220 MB for ~5–10 % more CPU per request.
 */
export const PRODUCTION_NODE_FLAGS: ReadonlyArray<string> = ["--max-semi-space-size=8", "--heap-growing-percent=100"]

export interface RunOptions {
  readonly durationS: number
  readonly warmupS: number
  readonly sizes: PoolSizes
  readonly entries: Entries
  /** For ours and the baseline alike (the sandbox server runs with none). */
  readonly nodeFlags: ReadonlyArray<string>
  /** The working directory of every process. */
  readonly srcDir: string
  readonly logDir: string
  /** `--cpu-prof` into this folder for ours and the baseline. */
  readonly profileDir: string | undefined
  readonly log: (line: string) => void
}

export interface GroupOutcome {
  readonly name: string
  readonly scenarios: ReadonlyArray<ScenarioResult>
  readonly rss: { readonly ours: { start: number; peak: number }; readonly baseline: { start: number; peak: number } }
}


/** Separate Redis databases for the two sides: in-process both number their carts cart_1, cart_2, … */
export const redisUrlOf = (side: Side) => `redis://127.0.0.1:6379/${side === "ours" ? 13 : 14}`

/** Removes the keys the bench wrote (its tenant's owners and locks, its carts' cache entries). */
export const cleanRedis = async () => {
  for (const side of ["ours", "baseline"] as const) {
    const client = new Redis(redisUrlOf(side), { lazyConnect: true, maxRetriesPerRequest: 1 })
    client.on("error", () => {})
    try {
      await client.connect()
      for (const match of ["*dom_bench*", "cart:{cart_*}:computed"]) {
        let cursor = "0"
        do {
          const [next, found] = await client.scan(cursor, "MATCH", match, "COUNT", 1000)
          cursor = next
          if (found.length > 0) await client.del(...found)
        } while (cursor !== "0")
      }
    } finally {
      client.disconnect()
    }
  }
}

/** Whether the Redis the Redis-store scenarios use answers. */
export const redisAnswers = () => redisAnswersAt(redisUrlOf("ours"))

export const groupName = (group: Group) =>
  `${group.mode}, ${group.store} stores${group.engine === "postgres" ? ", checkout engine on PostgreSQL" : ""}${group.latencyMs > 0 ? `, +${group.latencyMs} ms per downstream call` : ""}`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The measured time as slices of (at most) `sliceS` seconds. Each slice opens its connections anew
 * and drops what is still in flight when it ends, so a slice must be long against the latency it
 * measures; short enough that the sides take turns several times in a run.
 */
export const slicesOf = (durationS: number, sliceS = 2): ReadonlyArray<number> => {
  const slices: Array<number> = []
  for (let left = durationS; left > 0; left -= sliceS) slices.push(Math.min(sliceS, left))
  return slices
}

/**
 * A durable checkout takes 0.5–1 s on a quiet machine and 2–4 s on a loaded one: in 2 s slices
 * (or the 1 s of `--quick`) most would be dropped unfinished, and a loaded run would count none.
 */
const DURABLE_SLICE_S = 6
const measuredSlices = (group: Group, durationS: number) =>
  group.engine === "postgres" ? slicesOf(Math.max(durationS, DURABLE_SLICE_S), DURABLE_SLICE_S) : slicesOf(durationS)

const pathOf = (scenario: Scenario) => {
  switch (scenario.flow) {
    case "cached-get":
      return { method: "GET" as const, path: "/cart", query: "?compute=false" }
    case "full-get":
      return { method: "GET" as const, path: "/cart", query: "" }
    case "items-full":
      return { method: "POST" as const, path: "/cart/items", query: "" }
    case "place-order":
      return { method: "POST" as const, path: "/cart/place-order", query: "" }
  }
}

export const identityOf = (scenario: Scenario, side: Side, index: number): Identity => {
  const pool = poolOf(scenario)
  const id = `${sidePrefix(side)}${pool.key}${index}`
  return pool.owner === "customer" ? { customerId: id } : { sessionId: id }
}

export const request = async (port: number, method: string, path: string, headers: Record<string, string>, body?: string) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body })
  })
  return { status: response.status, text: await response.text() }
}

const volatileKeys = new Set([
  "updated_at",
  "cache_age_seconds",
  "quantity_available",
  "request_id",
  "cart_id",
  "item_id",
  "id",
  "number",
  "payment_id",
  "gateway_order_id",
  "customer_id",
  "session_id"
])

/** The body with what legitimately differs between the two sides masked: ids, timestamps, shared stock. */
const normalise = (text: string) => {
  try {
    return JSON.stringify(JSON.parse(text), (key, value) => (volatileKeys.has(key) ? "·" : value))
  } catch {
    return text
  }
}

/** Where two normalised bodies first differ, for the report. */
const firstDifference = (a: string, b: string) => {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return `ours …${a.slice(Math.max(0, i - 40), i + 60)}… vs baseline …${b.slice(Math.max(0, i - 40), i + 60)}…`
}

const nullable = (n: number) => (Number.isFinite(n) ? n : null)
const round = (n: number) => Math.round(n * 1000) / 1000

const sideResult = (figures: LoadFigures, criticalMs: number | undefined, rssPeak: number, cpuPerRequest: number): SideResult => ({
  rps: nullable(figures.rps),
  cpu_ms_per_request: nullable(round(cpuPerRequest)),
  p50_ms: nullable(figures.p50_ms),
  p99_ms: nullable(figures.p99_ms),
  mean_ms: nullable(figures.mean_ms),
  ok: figures.ok,
  non2xx: figures.non2xx,
  errors: figures.errors,
  ...(criticalMs === undefined
    ? {}
    : {
        above_critical_p50_ms: nullable(round(figures.p50_ms - criticalMs)),
        above_critical_p99_ms: nullable(round(figures.p99_ms - criticalMs))
      }),
  rss_peak_mb: nullable(Math.round(rssPeak * 10) / 10)
})

/** What a side's orchestrator is started with beyond its downstreams and stores. */
export type OursEnv = Record<string, string>

/**
 * The closed-loop scenarios run ours without its admission gate: autocannon's connections resend
 * the moment an answer comes back, ignoring `Retry-After`, so a refused request would only turn
 * into another at once; the open-loop overload runs (`overload.ts`) measure the gate. The bench's
 * owners stand for many users each, so the per-owner mutation limit is off too. Checkout admission
 * stays as deployed (README: it never refuses over the in-memory engine, and over PostgreSQL it is
 * what bounds the checkouts running).
 */
export const CLOSED_LOOP_OURS_ENV: OursEnv = { ORCHESTRA_MAX_IN_FLIGHT: "off", ORCHESTRA_LIMIT_MUTATIONS_PER_S: "0" }

/**
 * Starts a group's processes: the sandbox (HTTP mode), ours and the baseline, each seeded with
 * its side's carts. They are pushed onto `servers` as they start, so the caller stops them all.
 */
export const startGroupServers = async (group: Group, options: RunOptions, oursEnv: OursEnv, servers: Array<Server>) => {
  const name = groupName(group)
  const faults = group.latencyMs > 0 ? `*=latency:${group.latencyMs}ms` : ""
  const oursPlan = seedPlanFor(group, "ours", options.sizes)
  const basePlan = seedPlanFor(group, "baseline", options.sizes)
  const profileFlags = (side: string) =>
    options.profileDir === undefined
      ? []
      : ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${side}-${name.replace(/[^\w]+/g, "_")}.cpuprofile`]
  let downstreamEnv: Record<string, string> = {}
  let baselineDownstreamEnv: Record<string, string> = {}
  if (group.mode === "http") {
    const sandbox = await startServer({
      name: "sandbox",
      entry: options.entries.sandbox,
      port: await freePort(),
      env: { [SEED_ENV]: encodeSeedPlan([...oursPlan, ...basePlan]), BENCH_FAULTS: faults },
      healthPath: "/api/pickup-points/pickup_1",
      logDir: options.logDir,
      cwd: options.srcDir
    })
    servers.push(sandbox)
    const url = `http://127.0.0.1:${sandbox.port}`
    downstreamEnv = {
      ...sandboxServiceUrls(url),
      ORCHESTRA_WEBHOOK_SECRET_PHONEPE: "bench-webhook-secret",
      ORCHESTRA_WEBHOOK_SECRET_RAZORPAY: "bench-webhook-secret"
    }
    baselineDownstreamEnv = { BENCH_DOWNSTREAM_URL: url }
  } else {
    downstreamEnv = { [SEED_ENV]: encodeSeedPlan(oursPlan), ...(faults === "" ? {} : { ORCHESTRA_SANDBOX_FAULTS: faults }) }
    baselineDownstreamEnv = { [SEED_ENV]: encodeSeedPlan(basePlan), BENCH_FAULTS: faults }
  }
  const ours = await startServer({
    name: "ours",
    entry: options.entries.ours,
    port: await freePort(),
    env: {
      ...downstreamEnv,
      ...oursEnv,
      ORCHESTRA_GATEWAY_SECRET: GATEWAY_SECRET,
      ...(group.store === "redis" ? { REDIS_URL: redisUrlOf("ours") } : {})
    },
    healthPath: "/health",
    logDir: options.logDir,
    nodeFlags: [...options.nodeFlags, ...profileFlags("ours")],
    cwd: options.srcDir
  })
  servers.push(ours)
  const baseline = await startServer({
    name: "baseline",
    entry: options.entries.baseline,
    port: await freePort(),
    env: {
      ...baselineDownstreamEnv,
      ORCHESTRA_GATEWAY_SECRET: GATEWAY_SECRET,
      ...(group.store === "redis" ? { REDIS_URL: redisUrlOf("baseline") } : {})
    },
    healthPath: "/health",
    logDir: options.logDir,
    nodeFlags: [...options.nodeFlags, ...profileFlags("baseline")],
    cwd: options.srcDir
  })
  servers.push(baseline)
  await sleep(500)
  return { ours, baseline }
}

/**
 * One group: starts the sandbox (HTTP mode), ours and the baseline, then for each scenario checks
 * that both answer a probe request alike, and loads each side in turn — warm-up, then the
 * measured run — alternating which side goes first, so neither always meets a warmer machine.
 */
export const runGroup = async (group: Group, options: RunOptions): Promise<GroupOutcome> => {
  const name = groupName(group)
  const { log } = options
  const servers: Array<Server> = []
  const database = group.engine === "postgres" ? await createBenchDatabase() : undefined
  try {
    if (group.store === "redis") await cleanRedis()
    const oursEnv = database === undefined ? CLOSED_LOOP_OURS_ENV : { ...CLOSED_LOOP_OURS_ENV, DATABASE_URL: database.url }
    const { ours, baseline } = await startGroupServers(group, options, oursEnv, servers)
    const rss = {
      ours: { start: ours.rssMb(), peak: ours.rssMb() },
      baseline: { start: baseline.rssMb(), peak: baseline.rssMb() }
    }
    const serverOf = (side: Side) => (side === "ours" ? ours : baseline)

    const results: Array<ScenarioResult> = []
    const nextOrder: Record<Side, number> = { ours: 0, baseline: 0 }
    for (const [index, scenario] of group.scenarios.entries()) {
      const label = scenarioName(scenario, group)
      const { method, path, query } = pathOf(scenario)
      // Place-order: each order takes the next unplaced cart of its side's pool (shared by the
      // group's place-order scenarios); the probe takes the first.
      const probeIndex: Record<Side, number> = { ours: 0, baseline: 0 }
      if (scenario.flow === "place-order") {
        for (const side of ["ours", "baseline"] as const) probeIndex[side] = nextOrder[side]++
      }
      let net = 0
      if (scenario.flow === "place-order") {
        const probe = await request(ours.port, "GET", "/cart?compute=false", gatewayHeaders("GET", "/cart", identityOf(scenario, "ours", probeIndex.ours)))
        net = (JSON.parse(probe.text) as { cart: { totals: { net_payable: number } } }).cart.totals.net_payable
      }
      const bodyFor = (i: number) =>
        scenario.flow === "items-full" ? itemsBody((i % 2) + 1) : scenario.flow === "place-order" ? placeOrderBody(net) : undefined
      const probeHeaders = (side: Side) => ({
        ...gatewayHeaders(method, path, identityOf(scenario, side, probeIndex[side])),
        ...(scenario.flow === "place-order" ? { "idempotency-key": `${sidePrefix(side)}probe-${probeIndex[side]}` } : {})
      })
      const probes = await Promise.all(
        (["ours", "baseline"] as const).map((side) =>
          request(serverOf(side).port, method, `${path}${query}`, probeHeaders(side), bodyFor(0))
        )
      )
      const [oursProbe, baseProbe] = probes.map((p) => ({ status: p.status, body: normalise(p.text) }))
      const parity = oursProbe!.status === baseProbe!.status && oursProbe!.body === baseProbe!.body
      const parityNote = parity
        ? undefined
        : oursProbe!.status !== baseProbe!.status
          ? `status ${oursProbe!.status} vs ${baseProbe!.status}: ${oursProbe!.body.slice(0, 200)}`
          : firstDifference(oursProbe!.body, baseProbe!.body)

      const sides: ReadonlyArray<Side> = index % 2 === 0 ? ["ours", "baseline"] : ["baseline", "ours"]
      const loadSpec = (side: Side, durationS: number): LoadSpec => {
        const server = serverOf(side)
        return {
          port: server.port,
          connections: scenario.connections,
          durationS,
          method,
          path: `${path}${query}`,
          connectionHeaders: (c) =>
            scenario.flow === "place-order"
              ? { "content-type": "application/json" }
              : {
                  ...gatewayHeaders(method, path, identityOf(scenario, side, scenario.flow === "items-full" ? c : c % options.sizes.readers)),
                  ...(method === "POST" ? { "content-type": "application/json" } : {})
                },
          ...(scenario.flow === "items-full" ? { perRequest: (i: number) => ({ body: bodyFor(i)! }) } : {}),
          ...(scenario.flow === "place-order"
            ? {
                body: bodyFor(0)!,
                perRequest: () => {
                  const order = nextOrder[side]++
                  if (order >= options.sizes.orders) return undefined
                  return {
                    headers: {
                      ...gatewayHeaders(method, path, identityOf(scenario, side, order)),
                      "content-type": "application/json",
                      "idempotency-key": `${sidePrefix(side)}order-${order}`
                    }
                  }
                }
              }
            : {})
        }
      }
      for (const side of sides) {
        if (scenario.flow === "cached-get") {
          // Fill the cache: one full GET per owner of the pool, as a customer's first visit would.
          for (let i = 0; i < options.sizes.readers; i++) {
            await request(serverOf(side).port, "GET", "/cart", gatewayHeaders("GET", "/cart", identityOf(scenario, side, i)))
          }
        }
        if (options.warmupS > 0) await runLoad(loadSpec(side, options.warmupS))
      }
      // The measured time in slices, the sides taking turns: a burst of load from
      // elsewhere on the machine then falls on both sides alike instead of on one side's run.
      const runs: Record<Side, Array<LoadRun>> = { ours: [], baseline: [] }
      const cpuMs: Record<Side, number> = { ours: 0, baseline: 0 }
      const rssPeak: Record<Side, number> = { ours: 0, baseline: 0 }
      const exhausted = (side: Side) => scenario.flow === "place-order" && nextOrder[side] >= options.sizes.orders
      const transactionsAt = async () => {
        if (database === undefined) return undefined
        await sleep(STATISTICS_DELAY_MS)
        return database.transactions()
      }
      const transactionsBefore = await transactionsAt()
      for (const [slice, seconds] of measuredSlices(group, options.durationS).entries()) {
        for (const side of slice % 2 === 0 ? sides : [...sides].reverse()) {
          if (exhausted(side)) continue
          const server = serverOf(side)
          const cpuBefore = server.cpuMs()
          const stopSampling = sampleRss(server)
          runs[side].push(await runLoad(loadSpec(side, seconds)))
          cpuMs[side] += server.cpuMs() - cpuBefore
          rssPeak[side] = Math.max(rssPeak[side], stopSampling())
        }
      }
      const transactionsAfter = await transactionsAt()
      const measured: Partial<Record<Side, { figures: LoadFigures; rssPeak: number; cpuPerRequest: number }>> = {}
      for (const side of sides) {
        const figures = figuresOf(runs[side])
        const answered = figures.ok + figures.non2xx
        measured[side] = { figures, rssPeak: rssPeak[side], cpuPerRequest: answered > 0 ? cpuMs[side] / answered : Number.NaN }
        rss[side].peak = Math.max(rss[side].peak, rssPeak[side])
        if (figures.non2xx > 0 || figures.errors > 0) {
          log(`  ${side}: ${figures.non2xx} non-2xx ${JSON.stringify(figures.statuses)}, ${figures.errors} errors`)
        }
        if (exhausted(side)) log(`  ${side}: ran out of prepared carts (${options.sizes.orders}); its runs ended early`)
      }
      const o = measured.ours!
      const b = measured.baseline!
      const criticalMs = group.latencyMs > 0 ? criticalCalls[scenario.flow] * group.latencyMs : undefined
      const result: ScenarioResult = {
        name: label,
        mode: group.mode,
        flow: scenario.flow,
        lines: scenario.lines,
        connections: scenario.connections,
        store: group.store,
        downstream_latency_ms: group.latencyMs,
        critical_path_ms: criticalMs ?? 0,
        ours: sideResult(o.figures, criticalMs, o.rssPeak, o.cpuPerRequest),
        baseline: sideResult(b.figures, criticalMs, b.rssPeak, b.cpuPerRequest),
        ratio_rps: b.figures.rps > 0 ? nullable(round(o.figures.rps / b.figures.rps)) : null,
        ratio_cpu: nullable(round(b.cpuPerRequest / o.cpuPerRequest)),
        overhead_p50_ms: nullable(round(o.figures.p50_ms - b.figures.p50_ms)),
        overhead_p99_ms: nullable(round(o.figures.p99_ms - b.figures.p99_ms)),
        parity,
        ...(parityNote === undefined ? {} : { parity_note: parityNote }),
        ...(transactionsBefore === undefined || transactionsAfter === undefined
          ? {}
          : { ours_pg_transactions_per_ok: o.figures.ok > 0 ? nullable(round((transactionsAfter - transactionsBefore) / o.figures.ok)) : null })
      }
      results.push(result)
      log(
        `  ${label.padEnd(38)} rps ratio ${String(result.ratio_rps ?? "–").padEnd(6)} cpu ratio ${String(result.ratio_cpu ?? "–").padEnd(6)} p50 ${result.overhead_p50_ms ?? "–"} ms  p99 ${result.overhead_p99_ms ?? "–"} ms${parity ? "" : "  (bodies differ)"}`
      )
    }
    return { name, scenarios: results, rss }
  } finally {
    for (const server of [...servers].reverse()) await server.stop()
    if (group.store === "redis") await cleanRedis().catch(() => {})
    await database?.drop()
  }
}
