import { expect } from "@effect/vitest"

export interface Series {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** The samples of a Prometheus text exposition (comments skipped). */
export const parsePrometheus = (text: string): ReadonlyArray<Series> =>
  text
    .split("\n")
    .filter((line) => line.length > 0 && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
      if (match === null) throw new Error(`not a Prometheus sample: ${line}`)
      const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]))
      return { name: match[1]!, labels, value: Number(match[3]) }
    })

/** The value of the one series with this name and (at least) these labels. */
export const sampleOf = (series: ReadonlyArray<Series>, name: string, labels: Record<string, string>) => {
  const found = series.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value)
  )
  expect(found.map((s) => s.labels), `${name} ${JSON.stringify(labels)}`).toHaveLength(1)
  return found[0]!.value
}
