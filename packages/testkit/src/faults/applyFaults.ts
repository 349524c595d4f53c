import { Effect } from "effect"
import type { Fault } from "./Fault.ts"

/**
 * Runs `call` under the decided faults. Latency delays it; an error status or a timeout replaces
 * it with `onError` / a call that never answers (the caller's deadline decides, as in production).
 */
export const applyFaults = <A, E, R, E2>(
  faults: ReadonlyArray<Fault>,
  call: Effect.Effect<A, E, R>,
  onError: (status: number) => Effect.Effect<A, E2>
): Effect.Effect<A, E | E2, R> => {
  let delay = 0
  for (const fault of faults) {
    if (fault._tag === "Latency") delay += fault.millis
  }
  const terminal = faults.find((fault) => fault._tag !== "Latency")
  const outcome: Effect.Effect<A, E | E2, R> =
    terminal === undefined ? call : terminal._tag === "Error" ? onError(terminal.status) : Effect.never
  return delay > 0 ? Effect.andThen(Effect.sleep(delay), outcome) : outcome
}
