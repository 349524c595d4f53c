import { Clock, Duration, Effect, Fiber, Scheduler } from "effect"

interface Sleeper {
  readonly at: number
  readonly order: number
  readonly wake: () => void
}

/** One turn of Node's event loop: every microtask and every task already queued has run. */
const nextTurn = Effect.callback<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** A real pause, for when nothing waits on the virtual clock but the run is not over. */
const briefly = Effect.callback<void>((resume) => {
  const handle = setTimeout(() => resume(Effect.void), 1)
  return Effect.sync(() => clearTimeout(handle))
})

/**
 * Runs `effect` on a virtual clock that starts at `startMillis` and jumps from one sleep to the
 * next as soon as everything running under it has gone quiet. Sleeps, timeouts and retry
 * backoffs then take no real time, and every timing the effect records (a trace's start and
 * duration) is exact and the same on every run: a replay shows the recorded latencies rather than
 * this machine's scheduling noise, and a 1-second timeout costs nothing.
 *
 * "Quiet" is judged by counting the tasks the effect's fibers schedule (a wrapped `Scheduler`)
 * across whole turns of the event loop, so in-memory promises (a `Response` body) settle first.
 * The effect must not wait on real I/O: nothing would advance the clock for it.
 */
export const onVirtualClock = <A, E, R>(effect: Effect.Effect<A, E, R>, startMillis: number): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    const parent = yield* Scheduler.Scheduler
    let now = startMillis
    let order = 0
    let pending = 0
    let activity = 0
    // Kept sorted by wake time, then by order of registration.
    const sleepers: Array<Sleeper> = []

    const nanos = () => BigInt(Math.round(now * 1_000_000))
    const clock: Clock.Clock = {
      currentTimeMillisUnsafe: () => now,
      currentTimeMillis: Effect.sync(() => now),
      currentTimeNanosUnsafe: nanos,
      currentTimeNanos: Effect.sync(nanos),
      monotonicTimeNanosUnsafe: nanos,
      monotonicTimeNanos: Effect.sync(nanos),
      sleep: (duration) => {
        const millis = Duration.toMillis(duration)
        if (!(millis > 0)) return Effect.yieldNow
        return Effect.callback<void>((resume) => {
          const sleeper: Sleeper = { at: now + millis, order: order++, wake: () => resume(Effect.void) }
          const index = sleepers.findIndex((s) => s.at > sleeper.at)
          sleepers.splice(index === -1 ? sleepers.length : index, 0, sleeper)
          activity++
          return Effect.sync(() => {
            const at = sleepers.indexOf(sleeper)
            if (at !== -1) sleepers.splice(at, 1)
          })
        })
      }
    }

    const scheduler: Scheduler.Scheduler = {
      executionMode: parent.executionMode,
      shouldYield: (fiber) => parent.shouldYield(fiber),
      makeDispatcher: () => {
        const dispatcher = parent.makeDispatcher()
        return {
          scheduleTask: (task, priority) => {
            pending++
            activity++
            dispatcher.scheduleTask(() => {
              try {
                task()
              } finally {
                pending--
              }
            }, priority)
          },
          flush: () => dispatcher.flush()
        }
      }
    }

    // Two whole turns in a row with nothing scheduled and nothing new: everything is waiting.
    const settle = Effect.gen(function* () {
      let quiet = 0
      while (quiet < 2) {
        const before = activity
        yield* nextTurn
        quiet = pending === 0 && activity === before ? quiet + 1 : 0
      }
    })

    const advance = Effect.gen(function* () {
      yield* settle
      const next = sleepers.shift()
      if (next === undefined) return yield* briefly
      now = Math.max(now, next.at)
      activity++
      next.wake()
    })

    const driver = yield* Effect.forkChild(Effect.forever(advance))
    const exit = yield* Effect.exit(
      effect.pipe(Effect.provideService(Clock.Clock, clock), Effect.provideService(Scheduler.Scheduler, scheduler))
    )
    yield* Fiber.interrupt(driver)
    return yield* exit
  })
