import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import os from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { postgresAdminUrl, postgresAnswers } from "@orchestra/testkit/postgres/TestDatabase"
import { buildAll, outputOf } from "../../http/scripts/build.ts"
import { runOverload } from "./overload.ts"
import { consoleTable, markdown, NOTES_MARKER } from "./report.ts"
import type { BenchResults, OverloadResult } from "./results.ts"
import { type Entries, type GroupOutcome, groupName, PRODUCTION_NODE_FLAGS, redisAnswers, runGroup } from "./run.ts"
import { fullGroups, type Group, quickGroups, scenarioName } from "./scenarios.ts"

/**
 * `pnpm bench [--quick] [--duration S] [--warmup S] [--only TEXT] [--out DIR] [--profile] [--from-source | --no-build] [--node-flags="…"]`
 *
 * Builds first (`pnpm build`'s rolldown bundles of the three processes into `dist/bench/`, a few
 * seconds) and runs ours and the baseline from their bundles, as production should run the
 * server: the same JavaScript as the sources with the types erased (so the same CPU per request),
 * but only the modules reached, which is most of the resident memory at start. `--from-source`
 * skips the build and runs `src/*.ts` under Node's type stripping, as before; `--no-build` runs
 * the bundles already in `dist/bench/` (to compare Node flags on one build while the sources
 * change). Ours and the baseline get the same treatment: both bundled (or both from source), both
 * started with the same Node flags — `PRODUCTION_NODE_FLAGS` unless `--node-flags="…"` says
 * otherwise (with the `=`, since the value starts with a dash; `--node-flags=` for none).
 */
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    warmup: { type: "string" },
    only: { type: "string" },
    out: { type: "string" },
    profile: { type: "boolean", default: false },
    "from-source": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    "node-flags": { type: "string" }
  }
})

const srcDir = dirname(fileURLToPath(import.meta.url))
const packageDir = resolve(srcDir, "..")
const outDir = resolve(values.out ?? packageDir)
const quick = values.quick === true
// autocannon runs whole seconds: shorter durations would silently become a second.
const wholeSeconds = (text: string | undefined, fallback: number) => (text === undefined ? fallback : Math.max(0, Math.round(Number(text))))
const durationS = Math.max(1, wholeSeconds(values.duration, quick ? 1 : 6))
const warmupS = wholeSeconds(values.warmup, 1)
const sizes = quick ? { readers: 10, orders: 8_000 } : { readers: 100, orders: 30_000 }
const profileDir = values.profile ? join(packageDir, "tmp", "profiles", new Date().toISOString().replace(/[:.]/g, "-")) : undefined
const log = (line: string) => process.stdout.write(`${line}\n`)

const git = (args: ReadonlyArray<string>) => {
  try {
    return execFileSync("git", args, { cwd: packageDir, encoding: "utf8" }).trim()
  } catch {
    return ""
  }
}

const only = values.only
const selected: ReadonlyArray<Group> = (quick ? quickGroups : fullGroups)
  .map((group) => ({
    ...group,
    scenarios: group.scenarios.filter((s) => only === undefined || `${scenarioName(s, group)} ${group.mode}`.includes(only))
  }))
  .filter((group) => group.scenarios.length > 0)

const startedAt = new Date()
const loadAtStart = os.loadavg()
const fromSource = values["from-source"] === true
const nodeFlags = values["node-flags"] === undefined ? PRODUCTION_NODE_FLAGS : values["node-flags"].split(/\s+/).filter((f) => f.length > 0)
const entries: Entries = fromSource
  ? { ours: join(srcDir, "oursServer.ts"), baseline: join(srcDir, "baseline", "server.ts"), sandbox: join(srcDir, "sandboxServer.ts") }
  : { ours: outputOf("bench/ours"), baseline: outputOf("bench/baseline"), sandbox: outputOf("bench/sandbox") }
if (!fromSource && values["no-build"] !== true) {
  const buildStarted = performance.now()
  await buildAll({ only: ["bench/ours", "bench/baseline", "bench/sandbox"] })
  log(`Built dist/bench/{ours,baseline,sandbox}.js in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s`)
}
const skipped: Array<string> = []
const outcomes: Array<GroupOutcome> = []
const redis = selected.some((g) => g.store === "redis") ? await redisAnswers() : true
const postgres = selected.some((g) => g.engine === "postgres") ? await postgresAnswers() : true

log(
  `pnpm bench${quick ? " --quick" : ""}: ${durationS} s measured + ${warmupS} s warm-up per side and scenario; Node ${process.version}; ${fromSource ? "from the TypeScript sources" : "bundles"}; node flags: ${nodeFlags.join(" ") || "none"}`
)
for (const group of selected) {
  if (group.store === "redis" && !redis) {
    skipped.push(...group.scenarios.map((s) => `${scenarioName(s, group)} (${group.mode}): no Redis answering on 127.0.0.1:6379`))
    continue
  }
  if (group.engine === "postgres" && !postgres) {
    skipped.push(...group.scenarios.map((s) => `${scenarioName(s, group)} (${group.mode}): no PostgreSQL answering at ${postgresAdminUrl}`))
    continue
  }
  log(`${groupName(group)}:`)
  outcomes.push(
    await runGroup(group, { durationS, warmupS, sizes, entries, nodeFlags, srcDir, logDir: join(packageDir, "tmp", "logs"), profileDir, log })
  )
}

// The open-loop overload scenario runs unless `--only` names something else.
let overload: ReadonlyArray<OverloadResult> | undefined
if (only === undefined || "overload open-loop".includes(only)) {
  log("overload (open loop, http, memory stores; ours with its admission gate):")
  overload = await runOverload({
    durationS,
    warmupS,
    sizes,
    entries,
    nodeFlags,
    srcDir,
    logDir: join(packageDir, "tmp", "logs"),
    profileDir,
    log,
    pointS: quick ? 1 : 5,
    capacityS: quick ? 1 : 3,
    flows: quick ? ["full-get"] : ["full-get", "place-order"]
  })
}

const nullable = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : null)
const deployed = outcomes.find((o) => o.name === groupName({ mode: "http", store: "memory", latencyMs: 0, scenarios: [] })) ?? outcomes[0]
const results: BenchResults = {
  machine: {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    load_avg_at_start: loadAtStart.map((n) => Math.round(n * 100) / 100)
  },
  node: process.version,
  commit: git(["rev-parse", "HEAD"]) || "unknown",
  uncommitted_files: git(["status", "--porcelain"]).split("\n").filter((l) => l.length > 0).length,
  started_at: startedAt.toISOString(),
  finished_at: new Date().toISOString(),
  quick,
  duration_s: durationS,
  warmup_s: warmupS,
  scenarios: outcomes.flatMap((o) => o.scenarios),
  rss_mb: {
    start: deployed === undefined ? null : nullable(deployed.rss.ours.start),
    peak: deployed === undefined ? null : nullable(deployed.rss.ours.peak)
  },
  rss_by_group: outcomes.map((o) => ({
    group: o.name,
    ours: { start: nullable(o.rss.ours.start), peak: nullable(o.rss.ours.peak) },
    baseline: { start: nullable(o.rss.baseline.start), peak: nullable(o.rss.baseline.peak) }
  })),
  ...(overload === undefined ? {} : { overload }),
  skipped
}

mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`)
const mdPath = join(outDir, "RESULTS.md")
const previous = existsSync(mdPath) ? readFileSync(mdPath, "utf8") : ""
const notes = previous.includes(NOTES_MARKER) ? previous.slice(previous.indexOf(NOTES_MARKER) + NOTES_MARKER.length) : "\n"
writeFileSync(mdPath, markdown(results, notes))
log("")
log(consoleTable(results))
log("")
log(`Wrote ${join(outDir, "results.json")} and ${mdPath} in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`)
if (profileDir !== undefined) log(`CPU profiles in ${profileDir} (summarise with: node src/profile.ts ${profileDir})`)
