import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import os from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { consoleTable, markdown, NOTES_MARKER } from "./report.ts"
import type { BenchResults } from "./results.ts"
import { type GroupOutcome, groupName, redisAnswers, runGroup } from "./run.ts"
import { fullGroups, type Group, quickGroups, scenarioName } from "./scenarios.ts"

/**
 * `pnpm bench [--quick] [--duration S] [--warmup S] [--only TEXT] [--out DIR] [--profile]`
 *
 * Runs the TypeScript sources directly: Node 24 only erases the type annotations, so the code V8
 * runs is what `tsc` would emit for our ES2023 target, and a build step would add nothing but time.
 */
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    warmup: { type: "string" },
    only: { type: "string" },
    out: { type: "string" },
    profile: { type: "boolean", default: false }
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
const skipped: Array<string> = []
const outcomes: Array<GroupOutcome> = []
const redis = selected.some((g) => g.store === "redis") ? await redisAnswers() : true

log(`pnpm bench${quick ? " --quick" : ""}: ${durationS} s measured + ${warmupS} s warm-up per side and scenario; Node ${process.version}`)
for (const group of selected) {
  if (group.store === "redis" && !redis) {
    skipped.push(...group.scenarios.map((s) => `${scenarioName(s, group)} (${group.mode}): no Redis answering on 127.0.0.1:6379`))
    continue
  }
  log(`${groupName(group)}:`)
  outcomes.push(
    await runGroup(group, { durationS, warmupS, sizes, srcDir, logDir: join(packageDir, "tmp", "logs"), profileDir, log })
  )
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
