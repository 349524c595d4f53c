import { Clock, Effect, Exit } from "effect"
import { ResourceConflict, ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"

/**
 * Runs one operation's read-check-write as a single synchronous block after reading the clock:
 * nothing can interleave between the check and the write, so concurrent calls stay consistent
 * without locks.
 */
export const atomically = <A, E>(body: (now: number) => Exit.Exit<A, E>): Effect.Effect<A, E> =>
  Effect.flatMap(Clock.currentTimeMillis, body)

/**
 * The first success of each idempotency key of one operation. A replay gets that result back
 * without acting again: the same (mutable) state object, so it reads the resource as it is now
 * rather than a stale copy. A refusal changed nothing, so it does not claim the key: a retry
 * after, say, a wrong OTP is judged afresh (as the inventory simulator does for OUT_OF_STOCK).
 */
export const firstSuccessByKey = <A, E>() => {
  const successes = new Map<string, A>()
  return (key: string, act: () => Exit.Exit<A, E>): Exit.Exit<A, E> => {
    const first = successes.get(key)
    if (first !== undefined) return Exit.succeed(first)
    const outcome = act()
    if (Exit.isSuccess(outcome)) successes.set(key, outcome.value)
    return outcome
  }
}

/** `pay_1`, `pay_2`…: predictable ids, fresh per simulator. */
export const sequence = (prefix: string) => {
  let last = 0
  return (): string => `${prefix}_${++last}`
}

export const notFound = (message: string): Exit.Exit<never, ResourceNotFound> =>
  Exit.fail(new ResourceNotFound({ message }))

export const conflict = (reason: string, message: string): Exit.Exit<never, ResourceConflict> =>
  Exit.fail(new ResourceConflict({ reason, message }))
