import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { postgresAnswers } from "@orchestra/testkit/postgres/TestDatabase"
import { decodeResults } from "../src/results.ts"

const run = promisify(execFile)
const main = resolve(import.meta.dirname, "../src/main.ts")

/**
 * CI runs the quick bench as a test of the harness, not of the numbers: it must start every
 * process, load each flow, see the same answers on both sides, and write results.json in the
 * documented shape. No figure is asserted: the machine is shared and noisy.
 */
describe("pnpm bench --quick", () => {
  it("writes results.json in the documented shape", { timeout: 90_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "orchestra-bench-"))
    try {
      // process.execPath: the Node running vitest, the workspace's Node 24 under `pnpm test`.
      await run(process.execPath, [main, "--quick", "--duration", "1", "--warmup", "0", "--out", out], {
        timeout: 80_000,
        maxBuffer: 8 * 1024 * 1024
      })
      const results = decodeResults(JSON.parse(readFileSync(join(out, "results.json"), "utf8")))
      expect(results.quick).toBe(true)
      const postgres = process.env.CI !== undefined || (await postgresAnswers())
      expect(results.scenarios.map((s) => `${s.mode} ${s.flow}${s.ours_pg_transactions_per_ok === undefined ? "" : " pg"}`)).toEqual([
        "in-process cached-get",
        "in-process full-get",
        "in-process items-full",
        "in-process place-order",
        "http full-get",
        // The durable engine's run needs PostgreSQL: without it (never in CI) the run says it skipped it.
        ...(postgres ? ["in-process place-order pg"] : [])
      ])
      if (!postgres) expect(results.skipped.join("\n")).toContain("no PostgreSQL answering")
      // Every durable checkout wrote to the engine's database: its workflow, its activities, its replies.
      for (const scenario of results.scenarios.filter((s) => s.ours_pg_transactions_per_ok !== undefined)) {
        expect(scenario.ours_pg_transactions_per_ok, scenario.name).toBeGreaterThan(1)
      }
      for (const scenario of results.scenarios) {
        expect(scenario.parity, `${scenario.name}: ${scenario.parity_note ?? ""}`).toBe(true)
        expect(scenario.ours.ok, scenario.name).toBeGreaterThan(0)
        expect(scenario.baseline.ok, scenario.name).toBeGreaterThan(0)
        expect(scenario.ours.non2xx + scenario.baseline.non2xx, scenario.name).toBe(0)
      }
      // The open-loop overload scenario: both sides at each multiple of their capacity, every arrival answered or counted.
      expect(results.overload?.map((r) => `${r.flow} ${r.side} ${r.multiple}`).sort()).toEqual(
        ["ours", "baseline"].flatMap((side) => [0.5, 1, 2, 4].map((m) => `full-get ${side} ${m}`)).sort()
      )
      for (const point of results.overload ?? []) expect(point.capacity_rps, `${point.side} capacity`).toBeGreaterThan(0)
      expect(readFileSync(join(out, "RESULTS.md"), "utf8")).toContain("# Benchmark results")
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
