import { signGatewayRequest } from "@orchestra/http/middleware/GatewaySignature"
import { BENCH_DOMAIN } from "./catalog.ts"
import type { SeedPlan, SeedSet } from "./seed.ts"

export type Flow = "cached-get" | "full-get" | "items-full" | "place-order"
export type Mode = "in-process" | "http"
export type Side = "ours" | "baseline"
export type StoreKind = "memory" | "redis"

export interface Scenario {
  readonly flow: Flow
  readonly lines: number
  readonly connections: number
}

/** Scenarios that share one set of server processes: the same downstreams, stores and faults. */
export interface Group {
  readonly mode: Mode
  readonly store: StoreKind
  /** Added to every downstream call by the sandbox's fault injector (`*=latency:<n>ms`). */
  readonly latencyMs: number
  /**
   * Ours' checkout engine: `postgres` runs it as deployed, durable on a database of the bench's own
   * (`DATABASE_URL`); without it ours runs the sandbox's in-memory engine, as `pnpm start` does.
   * The baseline has no engine either way: it places the order without durability.
   */
  readonly engine?: "postgres"
  readonly scenarios: ReadonlyArray<Scenario>
}

export const GATEWAY_SECRET = "bench-gateway-secret"

/**
 * Downstream calls on each flow's longest chain, for the carts the bench uses (no delivery option,
 * no coupons, lines whose stores are known). With L ms per call, the critical path is L × this.
 *   cached-get: the cache is not a downstream: 0.
 *   full-get: cart.find → ‖(products, inventory, store status, tax) → promotions → compute = 4.
 *   items-full: cart.findOrCreate → ‖(products, inventory, store status, tax) → promotions →
 *     applyBatch → compute = 5.
 *   place-order (COD): cart.find → ‖(strict inventory, products, store status) → reserve → order.createMaster →
 *     createSubOrders → setPaymentStatus → payment.initiate → inventory.deduct → cart.removeLines →
 *     setPaymentStatus = 10 (notification and event run after the answer).
 */
export const criticalCalls: Record<Flow, number> = { "cached-get": 0, "full-get": 4, "items-full": 5, "place-order": 10 }

export const scenarioName = (scenario: Scenario, group: Group) =>
  [
    scenario.flow,
    scenario.flow === "place-order" ? "cod" : `${scenario.lines}-line${scenario.lines === 1 ? "" : "s"}`,
    ...(scenario.flow === "cached-get" || group.store === "redis" ? [group.store] : []),
    ...(group.engine === "postgres" ? ["pg"] : []),
    `${scenario.connections}c`,
    ...(group.latencyMs > 0 ? [`+${group.latencyMs}ms`] : [])
  ].join(" ")

export const sidePrefix = (side: Side) => (side === "ours" ? "o_" : "b_")

/** The owner pools a scenario uses; GET scenarios of one cart size share theirs. */
export const poolOf = (scenario: Scenario): { readonly key: string; readonly owner: SeedSet["owner"]; readonly pickup: boolean } => {
  switch (scenario.flow) {
    case "cached-get":
    case "full-get":
      return { key: `g${scenario.lines}_`, owner: "customer", pickup: false }
    case "items-full":
      return { key: `i${scenario.lines}_`, owner: "customer", pickup: false }
    case "place-order":
      return { key: "p_", owner: "session", pickup: true }
  }
}

export interface PoolSizes {
  /** Owners whose carts GET connections share (reads need no cart of their own). */
  readonly readers: number
  /** Carts to place; each order consumes one. */
  readonly orders: number
}

/** The carts a group's scenarios need, for one side. */
export const seedPlanFor = (group: Group, side: Side, sizes: PoolSizes): SeedPlan => {
  const sets = new Map<string, SeedSet>()
  for (const scenario of group.scenarios) {
    const pool = poolOf(scenario)
    const prefix = `${sidePrefix(side)}${pool.key}`
    const count =
      scenario.flow === "place-order" ? sizes.orders : scenario.flow === "items-full" ? scenario.connections : sizes.readers
    const existing = sets.get(prefix)
    sets.set(prefix, {
      prefix,
      count: Math.max(count, existing?.count ?? 0),
      lines: scenario.flow === "place-order" ? 1 : scenario.lines,
      owner: pool.owner,
      pickup: pool.pickup
    })
  }
  return [...sets.values()]
}

export interface Identity {
  readonly customerId?: string
  readonly sessionId?: string
}

/** The gateway's headers for one request: identity and a signature valid for the next 300 s. */
export const gatewayHeaders = (method: string, path: string, identity: Identity): Record<string, string> => ({
  "x-domain-id": BENCH_DOMAIN,
  ...(identity.customerId === undefined ? {} : { "x-customer-id": identity.customerId }),
  ...(identity.sessionId === undefined ? {} : { "x-session-id": identity.sessionId }),
  ...signGatewayRequest(GATEWAY_SECRET, {
    timestamp: Math.floor(Date.now() / 1000),
    method,
    path,
    domainId: BENCH_DOMAIN,
    customerId: identity.customerId,
    sessionId: identity.sessionId
  })
})

export const itemsBody = (quantity: number) => JSON.stringify({ operations: [{ op: "SET", product_id: "bp_000", quantity }] })

export const placeOrderBody = (net: number) =>
  JSON.stringify({
    payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }],
    total_order_amount: net
  })

const scenario = (flow: Flow, lines: number, connections: number): Scenario => ({ flow, lines, connections })

/** Each flow once at this many connections: the cached and full GET and items on 20-line carts, place-order on 1-line ones. */
const everyFlow = (connections: number): ReadonlyArray<Scenario> => [
  scenario("cached-get", 20, connections),
  scenario("full-get", 20, connections),
  scenario("items-full", 20, connections),
  scenario("place-order", 1, connections)
]

/**
 * The full run: every flow in both downstream modes at 100 connections, the cached GET on memory
 * and Redis, the 10 ms latency mode (also at 10 connections, below saturation), and scaling over
 * cart size (1, 10/20, 100 lines) and connections (10, 100, 500; 500 in-process only) on the full GET.
 */
export const fullGroups: ReadonlyArray<Group> = [
  {
    mode: "in-process",
    store: "memory",
    latencyMs: 0,
    scenarios: [
      ...everyFlow(100),
      scenario("full-get", 1, 100),
      scenario("full-get", 10, 100),
      scenario("full-get", 100, 100),
      scenario("full-get", 20, 10),
      scenario("full-get", 20, 500)
    ]
  },
  // Production keeps the cache and the locks in Redis: what the cart lock and the cache's scripts cost there.
  {
    mode: "in-process",
    store: "redis",
    latencyMs: 0,
    scenarios: [scenario("cached-get", 20, 100), scenario("full-get", 20, 100), scenario("items-full", 20, 100)]
  },
  {
    mode: "http",
    store: "memory",
    latencyMs: 0,
    scenarios: [
      ...everyFlow(100),
      scenario("full-get", 1, 100),
      scenario("full-get", 100, 100),
      scenario("full-get", 20, 10)
      // No 500 connections over HTTP: on two cores the sandbox server (11 calls per full GET)
      // saturates first, latencies pass the slice length and both sides mostly time out.
    ]
  },
  { mode: "http", store: "redis", latencyMs: 0, scenarios: [scenario("cached-get", 20, 100)] },
  {
    mode: "in-process",
    store: "memory",
    latencyMs: 10,
    scenarios: [
      ...everyFlow(100),
      // Below saturation: what each side adds above the critical path when it is not queueing.
      scenario("full-get", 20, 10),
      scenario("place-order", 1, 10)
    ]
  },
  {
    mode: "http",
    store: "memory",
    latencyMs: 10,
    scenarios: everyFlow(100)
  },
  // Checkout as deployed, durable on PostgreSQL: against the baseline, and against the in-memory
  // engine's runs above, what durability costs per checkout.
  {
    mode: "in-process",
    store: "memory",
    latencyMs: 0,
    engine: "postgres",
    scenarios: [scenario("place-order", 1, 100), scenario("place-order", 1, 10)]
  },
  { mode: "http", store: "memory", latencyMs: 0, engine: "postgres", scenarios: [scenario("place-order", 1, 100)] },
  { mode: "in-process", store: "memory", latencyMs: 10, engine: "postgres", scenarios: [scenario("place-order", 1, 10)] }
]

/** The smoke run: each flow once in-process, the full GET over HTTP, a durable checkout; a harness check, not numbers. */
export const quickGroups: ReadonlyArray<Group> = [
  {
    mode: "in-process",
    store: "memory",
    latencyMs: 0,
    scenarios: everyFlow(10)
  },
  { mode: "http", store: "memory", latencyMs: 0, scenarios: [scenario("full-get", 20, 10)] },
  { mode: "in-process", store: "memory", latencyMs: 0, engine: "postgres", scenarios: [scenario("place-order", 1, 10)] }
]
