import { Deferred, Effect } from "effect"
import type { Fault } from "./Fault.ts"

/**
 * Runs `call` under the decided faults. Latency delays it; an error status or a timeout replaces
 * it with `onError` / a call that never answers (the caller's deadline decides, as in production);
 * a lost reply makes the call and then never answers; a hold waits at its gate before the call or
 * before its answer.
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
  const terminal = faults.find((fault) => fault._tag !== "Latency" && fault._tag !== "Hold")
  const held = faults.find((fault) => fault._tag === "Hold")
  const gated: Effect.Effect<A, E | E2, R> =
    terminal === undefined
      ? call
      : terminal._tag === "Error"
        ? onError(terminal.status)
        : terminal._tag === "LostReply"
          ? Effect.andThen(call, Effect.never)
          : Effect.never
  const wait = held === undefined ? Effect.void : Effect.andThen(Deferred.succeed(held.gate.reached, undefined), Deferred.await(held.gate.opened))
  const outcome: Effect.Effect<A, E | E2, R> =
    held === undefined ? gated : held.point === "before" ? Effect.andThen(wait, gated) : Effect.tap(gated, () => wait)
  return delay > 0 ? Effect.andThen(Effect.sleep(delay), outcome) : outcome
}
