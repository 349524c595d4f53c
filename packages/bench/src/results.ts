import { Schema } from "effect"

/** A figure that may be missing (no successful request to measure): JSON has no NaN, so null. */
const Figure = Schema.NullOr(Schema.Finite)

export const SideResult = Schema.Struct({
  /** Successful (2xx) responses per second over the measured run. */
  rps: Figure,
  /** CPU time (user + system) the server process spent per answered request: robust to other load on the machine. */
  cpu_ms_per_request: Figure,
  p50_ms: Figure,
  p99_ms: Figure,
  mean_ms: Figure,
  ok: Schema.Int,
  non2xx: Schema.Int,
  errors: Schema.Int,
  /** Latency mode only: p50/p99 minus the flow's critical path. */
  above_critical_p50_ms: Schema.optionalKey(Figure),
  above_critical_p99_ms: Schema.optionalKey(Figure),
  /** The server process's peak RSS during this scenario's runs. */
  rss_peak_mb: Figure
})
export type SideResult = typeof SideResult.Type

export const ScenarioResult = Schema.Struct({
  name: Schema.String,
  mode: Schema.Literals(["in-process", "http"]),
  flow: Schema.Literals(["cached-get", "full-get", "items-full", "place-order"]),
  lines: Schema.Int,
  connections: Schema.Int,
  store: Schema.Literals(["memory", "redis"]),
  downstream_latency_ms: Schema.Finite,
  /** Downstream calls on the longest chain × the injected latency; 0 without latency. */
  critical_path_ms: Schema.Finite,
  ours: SideResult,
  baseline: SideResult,
  /** ours.rps / baseline.rps: 1 means no framework cost in throughput. */
  ratio_rps: Figure,
  /**
   * baseline.cpu_ms_per_request / ours.cpu_ms_per_request: the throughput ratio a CPU-bound server
   * would reach, measured from the server processes' own CPU time (HTTP mode: the sandbox's excluded).
   */
  ratio_cpu: Figure,
  /** ours minus baseline, in ms. */
  overhead_p50_ms: Figure,
  overhead_p99_ms: Figure,
  /** Whether one probe request answered the same body on both sides (ids and timestamps masked). */
  parity: Schema.Boolean,
  parity_note: Schema.optionalKey(Schema.String),
  /**
   * Checkout engine on PostgreSQL only: transactions in ours' database over the measured runs (its
   * idle polling included) per successful checkout. What durability costs the database.
   */
  ours_pg_transactions_per_ok: Schema.optionalKey(Figure)
})
export type ScenarioResult = typeof ScenarioResult.Type

const Rss = Schema.Struct({ start: Figure, peak: Figure })

/** One side of the open-loop overload scenario at one arrival rate. */
export const OverloadResult = Schema.Struct({
  flow: Schema.Literals(["full-get", "place-order"]),
  side: Schema.Literals(["ours", "baseline"]),
  /** The side's own capacity: 2xx per second in a closed-loop run at 10 connections, measured first. */
  capacity_rps: Schema.Finite,
  /** The arrival rate as a multiple of that capacity: 0.5, 1, 2, 4. */
  multiple: Schema.Finite,
  offered_rps: Schema.Finite,
  /** 2xx answers within the deadline, per second. */
  goodput_rps: Schema.Finite,
  /** goodput_rps / capacity_rps. */
  goodput_ratio: Schema.Finite,
  /** Admitted requests' latency (2xx within the deadline), from when each was due. */
  p50_ms: Figure,
  p99_ms: Figure,
  /** 503 OVERLOADED answers (ours' admission gate). */
  refused: Schema.Int,
  /** Other non-2xx answers, by status. */
  other_statuses: Schema.Record(Schema.String, Schema.Int),
  /** 2xx after the deadline (the caller had given up), and no answer at all. */
  late: Schema.Int,
  errors: Schema.Int,
  /** 2xx answers carrying a warning: a step degraded. */
  degraded: Schema.Int,
  /** Ours only, from its /metrics: downstream retries made and skipped for the budget, and first attempts, during the run. */
  retries: Schema.NullOr(Schema.Struct({ retried: Schema.Int, budget_exhausted: Schema.Int, calls: Schema.Int }))
})
export type OverloadResult = typeof OverloadResult.Type

export const BenchResults = Schema.Struct({
  machine: Schema.Struct({
    cpus: Schema.Int,
    cpu_model: Schema.String,
    memory_gb: Schema.Finite,
    os: Schema.String,
    load_avg_at_start: Schema.Array(Schema.Finite)
  }),
  node: Schema.String,
  commit: Schema.String,
  /** Files changed in the work tree but not committed when the run started. */
  uncommitted_files: Schema.Int,
  started_at: Schema.String,
  finished_at: Schema.String,
  quick: Schema.Boolean,
  duration_s: Schema.Finite,
  warmup_s: Schema.Finite,
  scenarios: Schema.Array(ScenarioResult),
  /**
   * Ours' server process: `start` after startup before any request, `peak` the most seen under
   * load, both in the HTTP-downstream mode with memory stores (the orchestrator alone, as deployed;
   * in-process mode adds the simulators' state to the process).
   */
  rss_mb: Rss,
  rss_by_group: Schema.Array(Schema.Struct({ group: Schema.String, ours: Rss, baseline: Rss })),
  /** The open-loop overload scenario (HTTP mode, memory stores, ours with its admission gate). */
  overload: Schema.optionalKey(Schema.Array(OverloadResult)),
  /** Scenarios not run, and why (e.g. no Redis answering). */
  skipped: Schema.Array(Schema.String)
})
export type BenchResults = typeof BenchResults.Type

export const decodeResults = Schema.decodeUnknownSync(BenchResults, { onExcessProperty: "error" })
