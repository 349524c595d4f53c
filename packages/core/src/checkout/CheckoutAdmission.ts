import { Clock, Context, Deferred, Effect, Exit, Layer } from "effect"
import { Overloaded } from "../domain/Errors.ts"
import {
  type AdaptiveLimitOptions,
  type ConcurrencyLimit,
  defaultAdaptiveLimit,
  type LimitSetting,
  limitFromSetting,
  limitSetting
} from "../resilience/ConcurrencyLimit.ts"

/** The client may ask again (with the same key) after this long, as with the admission gate's refusals. */
export const OVERLOADED_RETRY_AFTER_S = 1

/**
 * A started checkout not answered after this long stops being counted: the process running it
 * may have died (another resumes it later), and a slot held forever would shrink the limit for
 * good. It is sampled with this time, so the limit still learns that checkouts got that slow.
 */
export const STARTING_CEILING_MS = 60_000

/**
 * The adaptive limit over the durable engine (PostgreSQL): the gate's Vegas and bounds. Its
 * checkouts take about a second at best and share the engine's throughput (5–10 a second on two
 * cores): 20 at once answer within the 5 s deadline, and the limit moves from there.
 */
export const durableCheckoutLimit: AdaptiveLimitOptions = defaultAdaptiveLimit

/**
 * The adaptive limit over the in-memory engine: its phase 1 is in-process calls only, answered
 * while its request waits, so it starts at the top and only a latency far above its idle one
 * brings it down; requests in flight are the admission gate's business.
 */
export const memoryCheckoutLimit: AdaptiveLimitOptions = { ...defaultAdaptiveLimit, initial: defaultAdaptiveLimit.max }

export interface CheckoutAdmissionStats {
  readonly limit: number
  /** Checkouts started here whose first answer has not come yet. */
  readonly starting: number
  /** New checkouts refused (503 OVERLOADED) since start. */
  readonly refused: number
}

/** One started checkout's place among those counted. Given back once, whichever call comes first. */
export interface StartingSlot {
  /** The checkout's first answer came (or it stopped being counted) at `now`: its time from start samples the limit. */
  readonly answered: (now: number) => void
  /** No checkout was started after all (refused, failed, interrupted, or the key was someone else's): no sample. */
  readonly cancel: () => void
}

export interface CheckoutAdmissionShape {
  /** A slot for a checkout starting at `now`, or none when as many as the limit are starting (counted as a refusal). */
  readonly enter: (now: number) => StartingSlot | undefined
  /** The figures for `/metrics`; none when the limit is off. */
  readonly stats: () => CheckoutAdmissionStats | undefined
}

const unlimitedSlot: StartingSlot = { answered: () => {}, cancel: () => {} }

/** No limit (`ORCHESTRA_MAX_STARTING_CHECKOUTS=off`): every checkout starts. */
export const unlimitedCheckouts: CheckoutAdmissionShape = { enter: () => unlimitedSlot, stats: () => undefined }

/**
 * Checkout admission (DESIGN §3, Overload): at most `limit` checkouts started by this process
 * without their first answer yet (phase 1 not done). Plain counters, like the admission gate: the
 * caller passes its clock.
 */
export const makeCheckoutAdmission = (limit: ConcurrencyLimit | undefined): CheckoutAdmissionShape => {
  if (limit === undefined) return unlimitedCheckouts
  let starting = 0
  let refused = 0
  return {
    enter: (startedAt) => {
      if (starting >= limit.current()) {
        refused++
        return undefined
      }
      starting++
      const enteredWith = starting
      let released = false
      const release = () => {
        if (released) return false
        released = true
        starting--
        return true
      }
      return {
        answered: (now) => {
          if (release()) limit.sample(now, now - startedAt, enteredWith)
        },
        cancel: () => {
          release()
        }
      }
    },
    stats: () => ({ limit: limit.current(), starting, refused })
  }
}

/** `ORCHESTRA_MAX_STARTING_CHECKOUTS`: `auto` (adaptive, the default), a number, or `off` (0 is off too). */
export const CheckoutAdmissionConfig = limitSetting("ORCHESTRA_MAX_STARTING_CHECKOUTS")

export const checkoutAdmissionFor = (setting: LimitSetting, adaptive: AdaptiveLimitOptions) =>
  makeCheckoutAdmission(limitFromSetting(setting, adaptive))

/**
 * This process's checkout admission, shared by the place-order flow and `/metrics`. The checkout
 * engine provides it (`checkoutAdmissionLayer`), as the limit that fits depends on the engine;
 * without an engine there is nothing to count.
 */
export const CheckoutAdmission = Context.Reference<CheckoutAdmissionShape>("orchestra/CheckoutAdmission", {
  defaultValue: () => unlimitedCheckouts
})

/** From `ORCHESTRA_MAX_STARTING_CHECKOUTS`, adaptive with `adaptive` for `auto`. */
export const checkoutAdmissionLayer = (adaptive: AdaptiveLimitOptions) =>
  Layer.effect(
    CheckoutAdmission,
    Effect.map(CheckoutAdmissionConfig, (setting) => checkoutAdmissionFor(setting, adaptive))
  )

const overloaded = () =>
  new Overloaded({
    message: "The server is at capacity for new checkouts; nothing was started: retry shortly with the same Idempotency-Key",
    details: { retry_after_s: OVERLOADED_RETRY_AFTER_S }
  })

/** What `startAdmitted` gives back: `start`'s result and, when it started a checkout, its first answer to come. */
export interface Admitted<A, T, E> {
  readonly value: A
  readonly firstAnswer: Deferred.Deferred<T, E> | undefined
}

/**
 * Runs `start` (which may start a new checkout) in a slot, or fails with `Overloaded` before
 * running it when none is free. When `start` started a checkout (`started`), the slot passes to a
 * fiber of its own that waits for its first answer (`firstAnswer`, which must end by itself: it
 * is given `STARTING_CEILING_MS` from the start) and gives the slot back then, however the request
 * ends: a disconnect or a timeout leaves the checkout running, and counted. Otherwise (refused,
 * failed, interrupted, or the key was taken by another request) the slot is given back at once.
 * The waiting fiber gives the slot back before it hands the answer on, so a client that got its
 * answer finds the slot free.
 */
export const startAdmitted = <A, E, R, T, E2>(
  admission: CheckoutAdmissionShape,
  start: Effect.Effect<A, E, R>,
  started: (value: A) => boolean,
  firstAnswer: (until: number) => Effect.Effect<T, E2>
): Effect.Effect<Admitted<A, T, E2>, E | Overloaded, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const startedAt = yield* Clock.currentTimeMillis
      const slot = admission.enter(startedAt)
      if (slot === undefined) return yield* overloaded()
      const exit = yield* Effect.exit(restore(start))
      if (Exit.isFailure(exit)) {
        slot.cancel()
        return yield* Effect.failCause(exit.cause)
      }
      if (!started(exit.value)) {
        slot.cancel()
        return { value: exit.value, firstAnswer: undefined }
      }
      const answer = yield* Deferred.make<T, E2>()
      yield* Effect.forkDetach(
        restore(firstAnswer(startedAt + STARTING_CEILING_MS)).pipe(
          Effect.exit,
          Effect.flatMap((outcome) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) => {
              // A registry that did not answer tells nothing about how long checkouts take.
              if (Exit.isSuccess(outcome)) slot.answered(now)
              else slot.cancel()
              return Deferred.done(answer, outcome)
            })
          ),
          // Interrupted before the answer came (the process stops): no sample, the slot back all the same.
          Effect.ensuring(Effect.sync(() => slot.cancel()))
        )
      )
      return { value: exit.value, firstAnswer: answer }
    })
  )
