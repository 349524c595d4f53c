import type { BenchResults, OverloadResult, ScenarioResult } from "./results.ts"

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? "–" : n.toFixed(digits))
const signed = (n: number | null | undefined, digits = 2) => (n === null || n === undefined ? "–" : `${n >= 0 ? "+" : ""}${n.toFixed(digits)}`)

const row = (s: ScenarioResult) => [
  s.name,
  s.mode,
  String(s.connections),
  fmt(s.ratio_rps, 2),
  fmt(s.ratio_cpu, 2),
  `${fmt(s.ours.p50_ms, 2)} / ${fmt(s.ours.p99_ms, 1)}`,
  `${fmt(s.baseline.p50_ms, 2)} / ${fmt(s.baseline.p99_ms, 1)}`,
  `${signed(s.overhead_p50_ms)} / ${signed(s.overhead_p99_ms, 1)}`,
  s.parity ? "same" : "DIFFERS"
]

const header = ["scenario", "mode", "conns", "ours/base rps", "base/ours cpu per req", "ours p50/p99 ms", "base p50/p99 ms", "overhead p50/p99 ms", "bodies"]

/** The console table: ratios and latency differences, no absolute throughput (the machine is shared and noisy). */
export const consoleTable = (results: BenchResults) => {
  const rows = [header, ...results.scenarios.map(row)]
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n")
}

const mdTable = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n")

const costRatio = (results: BenchResults, mode: string, side: "ours" | "baseline") => {
  const rpsOf = (lines: number) =>
    results.scenarios.find((s) => s.mode === mode && s.flow === "full-get" && s.lines === lines && s.connections === 100 && s.downstream_latency_ms === 0)?.[
      side
    ].rps
  const one = rpsOf(1)
  const hundred = rpsOf(100)
  return one && hundred ? one / hundred : undefined
}

const percent = (n: number) => `${Math.round(n * 100)} %`

/** Ours and the baseline at each rate of one flow, and the figures issue 15 asks of ours. */
const overloadSection = (results: ReadonlyArray<OverloadResult>) => {
  const lines: Array<string> = [
    "## Overload: open-loop arrivals at multiples of each side's capacity",
    "",
    "HTTP mode, memory stores. Capacity is each side's 2xx throughput in a closed loop at 10 connections, measured first;",
    "then requests arrive at a fixed rate (an open loop: arrivals never wait for answers) of 0.5, 1, 2 and 4 times that",
    "capacity. Goodput counts 2xx answers within the 5 s deadline, latency runs from when each request was due. Ours runs",
    "as deployed (adaptive admission control, retry budget); the baseline has neither.",
    ""
  ]
  for (const flow of ["full-get", "place-order"] as const) {
    const rows = results.filter((r) => r.flow === flow)
    if (rows.length === 0) continue
    const at = (side: "ours" | "baseline", multiple: number) => rows.find((r) => r.side === side && r.multiple === multiple)
    const capacity = (side: "ours" | "baseline") => rows.find((r) => r.side === side)?.capacity_rps
    lines.push(`### ${flow === "full-get" ? "Full GET, 20 lines" : "Place-order, cash on delivery"}`, "")
    lines.push(`Capacity: ours ${fmt(capacity("ours"))} rps, baseline ${fmt(capacity("baseline"))} rps.`, "")
    lines.push(
      mdTable(
        ["× capacity", "ours goodput", "ours p50 / p99 ms", "ours 503", "ours late / errors", "ours retries / calls", "base goodput", "base p50 / p99 ms", "base late / errors", "degraded ours / base"],
        [...new Set(rows.map((r) => r.multiple))].map((multiple) => {
          const o = at("ours", multiple)
          const b = at("baseline", multiple)
          return [
            `${multiple}×`,
            o === undefined ? "–" : `${fmt(o.goodput_rps)} rps (${percent(o.goodput_ratio)})`,
            o === undefined ? "–" : `${fmt(o.p50_ms)} / ${fmt(o.p99_ms)}`,
            o === undefined ? "–" : String(o.refused),
            o === undefined ? "–" : `${o.late} / ${o.errors}`,
            o?.retries == null ? "–" : `${o.retries.retried} / ${o.retries.calls}${o.retries.budget_exhausted > 0 ? ` (${o.retries.budget_exhausted} over budget)` : ""}`,
            b === undefined ? "–" : `${fmt(b.goodput_rps)} rps (${percent(b.goodput_ratio)})`,
            b === undefined ? "–" : `${fmt(b.p50_ms)} / ${fmt(b.p99_ms)}`,
            b === undefined ? "–" : `${b.late} / ${b.errors}`,
            `${o?.degraded ?? "–"} / ${b?.degraded ?? "–"}`
          ]
        })
      ),
      ""
    )
    const o2 = at("ours", 2)
    const o4 = at("ours", 4)
    const oHalf = at("ours", 0.5)
    if (o2 !== undefined && o4 !== undefined && oHalf?.p99_ms != null && o2.p99_ms !== null) {
      lines.push(
        `Ours: goodput ${percent(o2.goodput_ratio)} of capacity at 2×, ${percent(o4.goodput_ratio)} at 4× (target ≥ 90 %); p99 at 2× is ${fmt(o2.p99_ms / oHalf.p99_ms, 2)}× the p99 at 0.5× (target ≤ 3×).`,
        ""
      )
    }
  }
  return lines
}

/** Each place-order run on the PostgreSQL engine, beside the in-memory engine's run of the same load and mode. */
const durableSection = (results: BenchResults) => {
  const durable = results.scenarios.filter((s) => s.ours_pg_transactions_per_ok !== undefined)
  if (durable.length === 0) return []
  const inMemory = (s: ScenarioResult) =>
    results.scenarios.find(
      (m) =>
        m.ours_pg_transactions_per_ok === undefined &&
        m.flow === s.flow &&
        m.mode === s.mode &&
        m.connections === s.connections &&
        m.downstream_latency_ms === s.downstream_latency_ms
    )
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? undefined : a / b)
  return [
    "## Durable checkout: the engine on PostgreSQL",
    "",
    "Ours as deployed, its checkouts durable on a PostgreSQL database of the run's own (`DATABASE_URL`, default poll interval),",
    "against the baseline (the same steps, nothing durable) and against ours' in-memory engine (the sandbox's) at the same",
    "load when this run has it. `pg transactions per checkout` counts the database's commits and rollbacks over the",
    "measured runs (the engine's idle polling included) per successful checkout.",
    "",
    mdTable(
      ["scenario", "mode", "ours/base rps", "base/ours cpu per req", "ours p50 / p99 ms", "pg / memory engine cpu per req", "pg − memory engine p50 / p99 ms", "pg transactions per checkout"],
      durable.map((s) => {
        const m = inMemory(s)
        return [
          s.name,
          s.mode,
          fmt(s.ratio_rps, 2),
          fmt(s.ratio_cpu, 2),
          `${fmt(s.ours.p50_ms, 2)} / ${fmt(s.ours.p99_ms, 1)}`,
          m === undefined ? "–" : `${fmt(ratio(s.ours.cpu_ms_per_request, m.ours.cpu_ms_per_request), 2)}×`,
          m === undefined || s.ours.p50_ms === null || m.ours.p50_ms === null || s.ours.p99_ms === null || m.ours.p99_ms === null
            ? "–"
            : `${signed(s.ours.p50_ms - m.ours.p50_ms)} / ${signed(s.ours.p99_ms - m.ours.p99_ms, 1)}`,
          fmt(s.ours_pg_transactions_per_ok, 1)
        ]
      })
    ),
    ""
  ]
}

/** Marks where the generated part of RESULTS.md ends; what follows is kept across runs. */
export const NOTES_MARKER = "<!-- Everything below this line is written by hand and kept when `pnpm bench` rewrites this file. -->"

export const markdown = (results: BenchResults, notes: string) => {
  const latency = results.scenarios.filter((s) => s.downstream_latency_ms > 0)
  const scaling = ["in-process", "http"].map((mode) => ({
    mode,
    ours: costRatio(results, mode, "ours"),
    baseline: costRatio(results, mode, "baseline")
  }))
  const lines = [
    "# Benchmark results",
    "",
    `Generated by \`pnpm bench${results.quick ? " --quick" : ""}\` on ${results.finished_at}. Commit \`${results.commit}\`${results.uncommitted_files > 0 ? ` plus ${results.uncommitted_files} uncommitted files` : ""}; Node ${results.node}.`,
    `Machine: ${results.machine.cpus} × ${results.machine.cpu_model}, ${results.machine.memory_gb} GB, ${results.machine.os}; load average at start ${results.machine.load_avg_at_start.map((n) => n.toFixed(2)).join(" / ")}.`,
    "",
    "The machine is shared and noisy, so only ratios against the baseline measured in the same invocation mean anything:",
    "`ours/base rps` is ours' throughput over the baseline's; `base/ours cpu per req` is the same ratio from each server process's",
    "own CPU time per answered request (robust to other load on the machine; in HTTP mode it leaves the sandbox out);",
    "`overhead` is ours' latency minus the baseline's at the same load.",
    `Each side gets ${results.warmup_s} s of warm-up, then ${results.duration_s} s measured in slices of up to 2 s per scenario (durable checkouts: at least 6 s, in one slice, as one takes seconds), the two sides taking turns (so a burst of`,
    "load from elsewhere falls on both alike),",
    "with autocannon on 127.0.0.1 in the runner's process; latencies are exact percentiles of 2xx responses.",
    "The baseline (`src/baseline/`) is a bare `node:http` server running the same steps and parallel groups with `Promise.all`,",
    "over the same simulators (in-process) or the same sandbox HTTP server (HTTP mode, undici `Pool`), with the same validation",
    "(the contracts' schemas, identity and gateway HMAC) and the same stores' logic; `bodies` says whether a probe request got",
    "the same answer from both (ids and timestamps masked).",
    "",
    "## Scenarios",
    "",
    mdTable(header, results.scenarios.map(row)),
    ""
  ]
  if (latency.length > 0) {
    lines.push(
      "## Latency mode: above the critical path",
      "",
      "Every downstream call takes 10 ms more (the sandbox fault injector, `*=latency:10ms`). The critical path is the flow's",
      "longest chain of downstream calls × 10 ms (`src/scenarios.ts` lists the chains); what a side adds above it is its own cost.",
      "",
      mdTable(
        ["scenario", "mode", "critical path ms", "ours p50 / p99 above", "base p50 / p99 above"],
        latency.map((s) => [
          s.name,
          s.mode,
          String(s.critical_path_ms),
          `${signed(s.ours.above_critical_p50_ms)} / ${signed(s.ours.above_critical_p99_ms, 1)}`,
          `${signed(s.baseline.above_critical_p50_ms)} / ${signed(s.baseline.above_critical_p99_ms, 1)}`
        ])
      ),
      ""
    )
  }
  if (scaling.some((s) => s.ours !== undefined)) {
    lines.push(
      "## Cart size: cost of a 100-line cart against a 1-line cart (full GET, 100 connections)",
      "",
      mdTable(
        ["mode", "ours", "baseline"],
        scaling.filter((s) => s.ours !== undefined).map((s) => [s.mode, `${fmt(s.ours, 1)}×`, `${fmt(s.baseline, 1)}×`])
      ),
      ""
    )
  }
  lines.push(
    "## Memory (RSS, MB)",
    "",
    `Ours as deployed (HTTP downstreams, memory stores): ${fmt(results.rss_mb.start)} at start, ${fmt(results.rss_mb.peak)} at peak.`,
    "",
    mdTable(
      ["group", "ours start / peak", "baseline start / peak"],
      results.rss_by_group.map((g) => [g.group, `${fmt(g.ours.start)} / ${fmt(g.ours.peak)}`, `${fmt(g.baseline.start)} / ${fmt(g.baseline.peak)}`])
    ),
    ""
  )
  lines.push(...durableSection(results))
  if (results.overload !== undefined && results.overload.length > 0) lines.push(...overloadSection(results.overload))
  if (results.skipped.length > 0) lines.push("## Skipped", "", ...results.skipped.map((s) => `- ${s}`), "")
  const differing = results.scenarios.filter((s) => !s.parity)
  if (differing.length > 0) lines.push("## Bodies that differed", "", ...differing.map((s) => `- ${s.name} (${s.mode}): ${s.parity_note ?? ""}`), "")
  lines.push(NOTES_MARKER, notes)
  return lines.join("\n")
}
