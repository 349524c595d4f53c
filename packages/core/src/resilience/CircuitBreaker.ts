import { Cause, type Clock, Data, Effect, Exit } from "effect"
import type { Verdict } from "./transient.ts"

export type BreakerState = "closed" | "open" | "half-open"

/** One service's breaker as metrics report it. */
export interface BreakerStatus {
  readonly service: string
  readonly state: BreakerState
  readonly consecutiveFailures: number
}

/** The breaker refused the call without making it. */
export class CircuitRejected extends Data.TaggedError("CircuitRejected")<{
  readonly service: string
  readonly state: "open" | "half-open"
}> {
  override get message() {
    return this.state === "open" ? "circuit open" : "circuit half-open, its trial call is still running"
  }
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed circuit. */
  readonly failures: number
  /** How long an open circuit refuses calls before it admits one trial call. */
  readonly cooldownMs: number
  /** Which outcomes count for or against the service. */
  readonly verdict: (exit: Exit.Exit<unknown, unknown>) => Verdict
}

/** One circuit per service, each created on its first call. */
export interface CircuitBreaker {
  readonly run: <A, E, R>(service: string, call: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CircuitRejected, R>
  /** Every service called so far. */
  readonly states: Effect.Effect<ReadonlyArray<BreakerStatus>>
}

/** One service's circuit. */
interface Circuit {
  state: BreakerState
  /**
   * Moves on whenever the circuit opens, closes or admits a trial call, so that the outcome of
   * a call admitted before such a change (still running when the circuit opened, say) no
   * longer moves the circuit.
   */
  generation: number
  /** Consecutive failures in this generation: what opens a closed circuit. */
  streak: number
  /**
   * Consecutive failures of every call, whenever it was admitted, for metrics. Unlike `streak`
   * it is not cleared when the circuit opens, so a failed trial call reads as one more failure.
   */
  consecutiveFailures: number
  /** While open: when the trial call may go through. */
  openUntil: number
  /** While half-open: the trial call is running, and every other call is refused. */
  trialRunning: boolean
}

/** An interrupted call was cut short by us, so it says nothing about the service. */
const judge = (verdict: CircuitBreakerOptions["verdict"], exit: Exit.Exit<unknown, unknown>): Verdict =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? "ignored" : verdict(exit)

/**
 * One circuit per service: closed → open after `failures` consecutive failures → half-open
 * after `cooldownMs`, when exactly one trial call goes through while the others are refused →
 * closed if it succeeds, open for a fresh cool-down if it fails; an ignored outcome neither
 * counts nor resets, and an ignored trial lets the next call be the trial. State lives in this
 * process, and time comes from Effect's `Clock`.
 *
 * It is written by hand rather than wrapping Effect's keyed breaker (`effect/persistence`):
 * every downstream attempt passes through here, and that breaker's store lookups, scope and
 * effectful classification cost about 10 µs of CPU per call. Here a call through a closed
 * circuit costs a map lookup and a few counter updates, and the clock is read only to open a
 * circuit or to see whether an open one has cooled down.
 */
export const makeCircuitBreaker = (options: CircuitBreakerOptions): Effect.Effect<CircuitBreaker> =>
  Effect.sync(() => {
    // Insertion order is the order services were first called, which `states` reports.
    const circuits = new Map<string, Circuit>()

    const circuitOf = (service: string): Circuit => {
      const known = circuits.get(service)
      if (known !== undefined) return known
      const created: Circuit = {
        state: "closed",
        generation: 0,
        streak: 0,
        consecutiveFailures: 0,
        openUntil: 0,
        trialRunning: false
      }
      circuits.set(service, created)
      return created
    }

    /** The generation the call is admitted in, or the state that refuses it. */
    const admit = (circuit: Circuit, clock: Clock.Clock): number | "open" | "half-open" => {
      if (circuit.state === "closed") return circuit.generation
      if (circuit.state === "open" && clock.currentTimeMillisUnsafe() < circuit.openUntil) return "open"
      if (circuit.state === "half-open" && circuit.trialRunning) return "half-open"
      // A cooled-down open circuit, or a half-open one whose last trial said nothing: this call is the trial.
      circuit.state = "half-open"
      circuit.trialRunning = true
      return ++circuit.generation
    }

    const open = (circuit: Circuit, clock: Clock.Clock) => {
      circuit.state = "open"
      circuit.generation++
      circuit.openUntil = clock.currentTimeMillisUnsafe() + options.cooldownMs
      circuit.streak = 0
      circuit.trialRunning = false
    }

    const close = (circuit: Circuit) => {
      circuit.state = "closed"
      circuit.generation++
      circuit.streak = 0
      circuit.trialRunning = false
    }

    const settle = (circuit: Circuit, generation: number, verdict: Verdict, clock: Clock.Clock) => {
      if (verdict !== "ignored") circuit.consecutiveFailures = verdict === "failure" ? circuit.consecutiveFailures + 1 : 0
      if (generation !== circuit.generation) return
      if (circuit.state === "half-open") {
        if (verdict === "failure") open(circuit, clock)
        else if (verdict === "success") close(circuit)
        else circuit.trialRunning = false
        return
      }
      if (verdict === "ignored") return
      circuit.streak = verdict === "failure" ? circuit.streak + 1 : 0
      if (circuit.streak >= options.failures) open(circuit, clock)
    }

    const run: CircuitBreaker["run"] = (service, call) =>
      Effect.clockWith((clock) =>
        // Uninterruptible between admission and arming the settlement, so that an interrupted
        // trial call can never leave its circuit half-open for good.
        Effect.uninterruptibleMask((restore) => {
          const circuit = circuitOf(service)
          const admitted = admit(circuit, clock)
          if (typeof admitted !== "number") return Effect.fail(new CircuitRejected({ service, state: admitted }))
          return Effect.onExitPrimitive(restore(call), (exit): undefined => {
            let verdict: Verdict = "ignored"
            try {
              verdict = judge(options.verdict, exit)
            } finally {
              // A verdict that throws counts as ignored, so its trial call still frees the
              // circuit; the defect itself reaches the caller.
              settle(circuit, admitted, verdict, clock)
            }
            return undefined
          })
        })
      )

    const statusOf = (service: string, circuit: Circuit, now: number): BreakerStatus => ({
      service,
      // An open circuit whose cool-down is over admits the next call as its trial, which is
      // what half-open means to an operator.
      state: circuit.state === "open" && now >= circuit.openUntil ? "half-open" : circuit.state,
      consecutiveFailures: circuit.consecutiveFailures
    })

    const states = Effect.clockWith((clock) =>
      Effect.sync(() => {
        const now = clock.currentTimeMillisUnsafe()
        return Array.from(circuits, ([service, circuit]) => statusOf(service, circuit, now))
      })
    )

    return { run, states }
  })
