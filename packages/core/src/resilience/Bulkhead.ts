import { Data, Effect, Ref, Scope, Semaphore } from "effect"

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

/**
 * Caps the calls in flight to one service so a slow service cannot hold every fiber and socket
 * of the process, and bounds the line behind them so a backlog fails fast instead of growing
 * without end.
 */
export const makeBulkhead = (options: BulkheadOptions): Effect.Effect<Bulkhead> =>
  Effect.gen(function* () {
    const slots = yield* Semaphore.make(options.limit)
    const occupied = yield* Ref.make(0)
    const capacity = options.limit + options.queue

    const inSlot = <A, E, R>(effect: Effect.Effect<A, E, R>, maxWaitMs: number | undefined) =>
      Effect.scopedWith((scope) => {
        // The permit goes back when this scope closes, however the wait or the call ends.
        const take = Scope.provide(slots.takeScoped(1), scope)
        const waited =
          maxWaitMs === undefined
            ? take
            : Effect.timeoutOrElse(take, {
                duration: maxWaitMs,
                orElse: () => Effect.fail(new BulkheadWaitTimeout({ waitedMs: maxWaitMs }))
              })
        return Effect.andThen(waited, effect)
      })

    const run = <A, E, R>(
      effect: Effect.Effect<A, E, R>,
      runOptions?: { readonly maxWaitMs?: number | undefined }
    ) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(
          Ref.modify(occupied, (n): [boolean, number] => (n < capacity ? [true, n + 1] : [false, n])),
          (entered): Effect.Effect<A, E | BulkheadFull | BulkheadWaitTimeout, R> =>
            entered
              ? Effect.ensuring(
                  restore(inSlot(effect, runOptions?.maxWaitMs)),
                  Ref.update(occupied, (n) => n - 1)
                )
              : Effect.fail(new BulkheadFull({ limit: options.limit, queue: options.queue }))
        )
      )

    return { run, occupancy: Ref.get(occupied) }
  })
