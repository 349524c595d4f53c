import type { Fixture } from "@orchestra/testkit/replay/Fixture"
import { formatMs } from "../simulate/Timeline.ts"

/** One line per interaction: what a recording saw, at a glance. */
export const summarize = (fixture: Fixture): ReadonlyArray<string> =>
  fixture.interactions.map(
    (i) =>
      `  ${`${i.service}.${i.endpoint}`.padEnd(34)} ${i.method.padEnd(6)} ${String(i.status ?? "no answer").padEnd(9)} ${formatMs(i.latency_ms).padStart(10)}  ${i.path}`
  )
