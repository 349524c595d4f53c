import { Clock, type Context, Effect, Fiber } from "effect"

/** The clock a fiber has when nobody provided one: real time, `setTimeout` underneath. */
const liveClock = Effect.runSync(Clock.clockWith(Effect.succeed))

/**
 * `Effect.timeoutOrElse` for one downstream attempt: `self`, or `orElse()` once `millis` have
 * passed, with `self` interrupted (and awaited) when it loses.
 *
 * `Effect.timeoutOrElse` races two forked fibers, one of them a sleep, and every downstream call
 * of every flow pays it: ~8 µs of CPU per call that completes on a later tick (a real call always
 * does). On the live clock this forks only `self` and sets one timer. Any other clock (a
 * `TestClock`, the replay's virtual clock) gets `Effect.timeoutOrElse` itself, since only the
 * clock's own `sleep` follows its time.
 */
export const stepTimeout = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  millis: number,
  orElse: () => Effect.Effect<never, E2>
): Effect.Effect<A, E | E2, R> =>
  Effect.withFiber((parent) => {
    if (parent.getRef(Clock.Clock) !== liveClock) return Effect.timeoutOrElse(self, { duration: millis, orElse })
    return Effect.callback<A, E | E2>((resume) => {
      // The attempt runs with the caller's services, which are the ones `self` needs: the fiber's
      // context is untyped, `R` is what the caller provided.
      const attempt = Effect.runForkWith(parent.context as Context.Context<R>)(self)
      let settled = false
      let timer: ReturnType<typeof setTimeout> | undefined
      // Observed first: an attempt that finished as it was forked (an in-memory store) needs no timer.
      attempt.addObserver((exit) => {
        if (settled) return
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        resume(exit)
      })
      if (!settled) {
        timer = setTimeout(() => {
          if (settled) return
          settled = true
          resume(Effect.andThen(Fiber.interrupt(attempt), orElse()))
        }, millis)
      }
      // The caller was interrupted while the attempt ran: so is the attempt.
      return Effect.suspend(() => {
        if (timer !== undefined) clearTimeout(timer)
        return Fiber.interrupt(attempt)
      })
    })
  })
