import type { StepRecord } from "@orchestra/core/runtime/RequestContext"
import type { ReplayEntry } from "@orchestra/testkit/replay/ReplayHttpClient"
import type { SimulationResult } from "./Simulation.ts"

/** What the heading says about the run, besides the result itself. */
export interface TimelineHeading {
  readonly title: string
  readonly lines: ReadonlyArray<string>
}

const AXIS = 40

/** Milliseconds to a tenth, without float noise: `39.8 ms`. */
export const formatMs = (ms: number): string => `${(Math.round(ms * 10) / 10).toFixed(1)} ms`

interface Row {
  readonly record: StepRecord
  readonly answers: ReadonlyArray<ReplayEntry>
}

/**
 * The downstream answers each step got, for the ANSWERS column. Steps of one name that ran at the
 * same time (one store status per store) take the calls made in their window, in start order.
 */
const withAnswers = (trace: ReadonlyArray<StepRecord>, calls: ReadonlyArray<ReplayEntry>, startedAt: number): ReadonlyArray<Row> => {
  const taken = new Set<ReplayEntry>()
  return trace
    .map((record, order) => ({ record, order }))
    .sort((a, b) => a.record.start_ms - b.record.start_ms || a.order - b.order)
    .map(({ record }) => {
      const answers = calls
        .filter((call) => {
          const at = call.at - startedAt
          return !taken.has(call) && call.step === record.step && at >= record.start_ms - 0.05 && at <= record.start_ms + record.duration_ms + 0.05
        })
        .slice(0, record.attempts)
      for (const answer of answers) taken.add(answer)
      return { record, answers }
    })
}

/** Rows that ran at the same time form a group: `┌ │ └` in the gutter shows which overlap. */
const groupMarks = (rows: ReadonlyArray<Row>): ReadonlyArray<string> => {
  const groupOf: Array<number> = []
  let group = -1
  let groupEnd = Number.NEGATIVE_INFINITY
  rows.forEach(({ record }, index) => {
    const end = record.start_ms + record.duration_ms
    // Overlap needs time in common: zero-length steps (a --fast run) show no parallelism.
    const overlaps = index > 0 && record.start_ms < groupEnd
    if (!overlaps) group++
    groupEnd = overlaps ? Math.max(groupEnd, end) : end
    groupOf.push(group)
  })
  return groupOf.map((g, i) => {
    const first = groupOf[i - 1] !== g
    const last = groupOf[i + 1] !== g
    if (first && last) return " "
    return first ? "┌" : last ? "└" : "│"
  })
}

const bar = (record: StepRecord, total: number): string => {
  const from = Math.min(AXIS - 1, Math.floor((record.start_ms / total) * AXIS))
  const to = Math.max(from + 1, Math.min(AXIS, Math.ceil(((record.start_ms + record.duration_ms) / total) * AXIS)))
  const glyph = record.outcome === "ok" ? "█" : record.outcome === "degraded" ? "▒" : "░"
  return " ".repeat(from) + glyph.repeat(to - from) + " ".repeat(AXIS - to)
}

/** `200`, `503×2 200`, `timeout×3 (what-if)`: each attempt's answer, repeats folded. */
const answerText = (answers: ReadonlyArray<ReplayEntry>): string => {
  if (answers.length === 0) return "-"
  const runs: Array<{ text: string; count: number }> = []
  for (const answer of answers) {
    const text = `${answer.answer}${answer.source === "approximate" ? "~" : ""}`
    const last = runs.at(-1)
    if (last !== undefined && last.text === text) last.count++
    else runs.push({ text, count: 1 })
  }
  const text = runs.map((run) => (run.count === 1 ? run.text : `${run.text}×${run.count}`)).join(" ")
  return answers.some((a) => a.source === "what-if") ? `${text} what-if` : text
}

const outcomeText = (record: StepRecord): string =>
  record.outcome === "ok" ? "ok" : record.outcome === "degraded" ? "degraded (optional)" : "FAILED"

const pad = (text: string, width: number) => text + " ".repeat(Math.max(0, width - text.length))
const padStart = (text: string, width: number) => " ".repeat(Math.max(0, width - text.length)) + text

/**
 * The pretty form of a simulation: a heading, one row per step on a shared time axis (parallel
 * groups overlap, and are bracketed in the gutter), its duration, attempts, the downstream answers
 * and the outcome, the error of each step that did not succeed, the warnings, then the response.
 */
export const renderTimeline = (heading: TimelineHeading, result: SimulationResult): string => {
  const rows = withAnswers(result.trace, result.calls, result.startedAt)
  const total = Math.max(1, ...rows.map(({ record }) => record.start_ms + record.duration_ms))
  const nameWidth = Math.max(4, ...rows.map(({ record }) => record.step.length))
  const marks = groupMarks(rows)
  const lines: Array<string> = [heading.title, ...heading.lines, ""]

  const axisLabel = `0 ms${padStart(formatMs(total), AXIS - 4)}`
  lines.push(`  ${pad("STEP", nameWidth)}  ${axisLabel}  ${padStart("TIME", 9)}  TRIES  ${pad("ANSWERS", 16)}  OUTCOME`)
  rows.forEach(({ record, answers }, index) => {
    lines.push(
      [
        `${marks[index]} ${pad(record.step, nameWidth)}`,
        `${bar(record, total)}`,
        padStart(formatMs(record.duration_ms), 9),
        padStart(String(record.attempts), 5),
        pad(answerText(answers), 16),
        outcomeText(record)
      ].join("  ")
    )
    if (record.error !== undefined && record.outcome !== "ok") {
      lines.push(`  ${" ".repeat(nameWidth)}  └ ${record.error}`)
    }
  })
  if (rows.length === 0) lines.push("  (no downstream steps ran)")

  const approximate = result.calls.filter((call) => call.source === "approximate")
  if (approximate.length > 0) {
    lines.push("")
    lines.push("~ answered with the recorded response to a different request (the what-if changed what was sent):")
    for (const call of approximate) lines.push(`  ${call.step}: ${call.note ?? "a different request"}`)
  }

  lines.push("")
  if (result.warnings.length === 0) {
    lines.push("Warnings: none")
  } else {
    lines.push("Warnings:")
    for (const warning of result.warnings) {
      lines.push(`  ! ${warning.code}${warning.service === undefined ? "" : ` (${warning.service})`}: ${warning.message}`)
    }
  }
  lines.push("")
  lines.push(`Response: ${result.status}${result.ok ? "" : " (the flow failed)"}`)
  lines.push(JSON.stringify(result.response, null, 2))
  return `${lines.join("\n")}\n`
}
