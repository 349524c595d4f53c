import { Data, Effect, Exit } from "effect"

export interface BulkheadOptions {
  /** Calls in flight at once. */
  readonly limit: number
  /** Calls that may wait for a slot; one more is turned away at once. */
  readonly queue: number
}

/** Every slot is taken and the wait queue is full: the call is refused without waiting. */
export class BulkheadFull extends Data.TaggedError("BulkheadFull")<{ readonly limit: number; readonly queue: number }> {
  override get message() {
    return `bulkhead full (${this.limit} in flight, ${this.queue} waiting)`
  }
}

/** The call waited for a slot as long as it was allowed to and never got one. */
export class BulkheadWaitTimeout extends Data.TaggedError("BulkheadWaitTimeout")<{ readonly waitedMs: number }> {
  override get message() {
    return `no free slot within ${this.waitedMs} ms`
  }
}

export interface Bulkhead {
  /**
   * Runs `effect` in a slot: at once if one is free, after a wait in line (first come, first
   * served) if the queue has room, or not at all. `maxWaitMs` bounds the wait, not the call.
   */
  readonly run: <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: { readonly maxWaitMs?: number | undefined }
  ) => Effect.Effect<A, E | BulkheadFull | BulkheadWaitTimeout, R>
  /** Calls holding a slot or waiting for one. */
  readonly occupancy: Effect.Effect<number>
}

/** A call in line for a slot. */
interface Waiter {
  /** Set when a finishing call hands its slot over; from then on the slot is this waiter's to give back. */
  granted: boolean
  /** Wakes the waiting fiber; unset until it has started to wait. */
  wake: ((continueWith: Effect.Effect<void>) => void) | undefined
}

/**
 * Caps the calls in flight to one service so a slow service cannot hold every fiber and socket
 * of the process, and bounds the line behind them so a backlog fails fast instead of growing
 * without end.
 *
 * Every downstream attempt passes through here, so the bookkeeping is plain counters mutated
 * synchronously (JavaScript runs one fiber at a time): a semaphore with a scope per call cost
 * several microseconds of CPU per attempt. Only a call that finds every slot taken pays for a
 * fiber suspension and a timer.
 */
export const makeBulkheadUnsafe = (options: BulkheadOptions): Bulkhead => {
  let inFlight = 0
  // A Set keeps arrival order, and a waiter that gives up leaves from the middle in O(1).
  const waiting = new Set<Waiter>()

  // A finishing call hands its slot straight to the first in line, so the slot is never free
  // for a newcomer to take ahead of the queue; only with nobody waiting does it become free.
  const releaseSlot = (): undefined => {
    const next = waiting.values().next()
    if (next.done === true) {
      inFlight--
      return undefined
    }
    waiting.delete(next.value)
    next.value.granted = true
    next.value.wake?.(Effect.void)
    return undefined
  }

  // The release is armed outside `restore`, so it runs even when an interruption is already
  // pending as the call is about to start.
  const inSlot = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.onExitPrimitive(effect, releaseSlot)

  const slotHandedOver = (waiter: Waiter) =>
    Effect.callback<void>((resume) => {
      if (waiter.granted) resume(Effect.void)
      else waiter.wake = resume
    })

  // A waiter that stops waiting, by timeout or interruption, leaves the line; if a slot was
  // handed to it at that very moment, it passes the slot on, so no slot is ever lost.
  const stopWaiting =
    (waiter: Waiter) =>
    (exit: Exit.Exit<void, BulkheadWaitTimeout>): undefined => {
      if (Exit.isSuccess(exit)) return undefined
      if (waiter.granted) return releaseSlot()
      waiting.delete(waiter)
      return undefined
    }

  const waitForSlot = (waiter: Waiter, maxWaitMs: number | undefined): Effect.Effect<void, BulkheadWaitTimeout> =>
    maxWaitMs === undefined
      ? slotHandedOver(waiter)
      : Effect.timeoutOrElse(slotHandedOver(waiter), {
          duration: maxWaitMs,
          orElse: () => Effect.fail(new BulkheadWaitTimeout({ waitedMs: maxWaitMs }))
        })

  const run = <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    runOptions?: { readonly maxWaitMs?: number | undefined }
  ): Effect.Effect<A, E | BulkheadFull | BulkheadWaitTimeout, R> =>
    // Uninterruptible between taking a slot and arming its release, so an interruption can
    // never leak one; the call itself and the wait stay interruptible.
    Effect.uninterruptibleMask((restore) => {
      // Slots are handed over while anyone waits, so a free slot means an empty line.
      if (inFlight < options.limit) {
        inFlight++
        return inSlot(restore(effect))
      }
      if (waiting.size >= options.queue) return Effect.fail(new BulkheadFull({ limit: options.limit, queue: options.queue }))
      const waiter: Waiter = { granted: false, wake: undefined }
      waiting.add(waiter)
      return Effect.flatMap(
        Effect.onExitPrimitive(restore(waitForSlot(waiter, runOptions?.maxWaitMs)), stopWaiting(waiter)),
        () => inSlot(restore(effect))
      )
    })

  return { run, occupancy: Effect.sync(() => inFlight + waiting.size) }
}

export const makeBulkhead = (options: BulkheadOptions): Effect.Effect<Bulkhead> =>
  Effect.sync(() => makeBulkheadUnsafe(options))
