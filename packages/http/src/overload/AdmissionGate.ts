import type { ConcurrencyLimit } from "@orchestra/core/resilience/ConcurrencyLimit"

/** Why a request was answered 503 OVERLOADED without being run. */
export type Refusal = "queue_full" | "deadline"

export interface AdmissionOptions {
  readonly limit: ConcurrencyLimit
  /** Requests that may wait for a slot; `undefined`: as many as the current limit. */
  readonly queue: number | undefined
  /** A request's deadline, from its arrival. */
  readonly deadlineMs: number
}

export interface AdmissionStats {
  readonly limit: number
  readonly inFlight: number
  readonly queued: number
  /** Refused since start, by reason. */
  readonly refused: Readonly<Record<Refusal, number>>
  /** How long an admitted request takes, recently (exponentially weighted), in ms. */
  readonly serviceMs: number
}

/** What the gate does with one request: run it (handing it the slot to give back) or refuse it. */
export interface Arrival {
  readonly arrivedAt: number
  readonly start: (release: (now: number) => void) => void
  readonly refuse: (reason: Refusal) => void
}

export interface AdmissionGate {
  readonly arrive: (now: number, arrival: Arrival) => void
  readonly stats: () => AdmissionStats
}

/** The weight of the newest duration in the service time estimate. */
const SERVICE_SMOOTHING = 0.1

/**
 * Admission control at the edge (DESIGN §3, Overload). A request runs at once while fewer than
 * the limit are in flight; otherwise it waits in a short first-come-first-served line, or is
 * refused when the line is full. Deadline-aware: a request is never started once the time left
 * before its deadline is shorter than a request takes (it would run for nothing), and a request
 * in line whose deadline can no longer be met is dropped when its turn comes instead of run.
 *
 * Plain code on counters, driven by the caller's clock: the edge calls it for every request
 * before any framework code runs, so a refusal costs microseconds.
 */
export const makeAdmissionGate = (options: AdmissionOptions): AdmissionGate => {
  let inFlight = 0
  let serviceMs = 0
  const waiting: Array<Arrival> = []
  let head = 0
  const refused: Record<Refusal, number> = { queue_full: 0, deadline: 0 }

  const refuse = (arrival: Arrival, reason: Refusal) => {
    refused[reason]++
    arrival.refuse(reason)
  }

  const canStillMeet = (arrival: Arrival, now: number) => arrival.arrivedAt + options.deadlineMs - now >= serviceMs

  const run = (arrival: Arrival, now: number) => {
    inFlight++
    const startedAt = now
    const admittedWith = inFlight
    let released = false
    arrival.start((end) => {
      if (released) return
      released = true
      inFlight--
      const took = end - startedAt
      serviceMs = serviceMs === 0 ? took : serviceMs + SERVICE_SMOOTHING * (took - serviceMs)
      options.limit.sample(end, took, admittedWith)
      next(end)
    })
  }

  // Gives free slots to the line in order, dropping whoever can no longer make their deadline.
  const next = (now: number) => {
    while (head < waiting.length && inFlight < options.limit.current()) {
      const arrival = waiting[head]!
      head++
      if (canStillMeet(arrival, now)) run(arrival, now)
      else refuse(arrival, "deadline")
    }
    if (head === waiting.length) {
      waiting.length = 0
      head = 0
    }
  }

  return {
    arrive: (now, arrival) => {
      if (!canStillMeet(arrival, now)) return refuse(arrival, "deadline")
      if (head === waiting.length && inFlight < options.limit.current()) return run(arrival, now)
      const room = options.queue ?? options.limit.current()
      if (waiting.length - head >= room) return refuse(arrival, "queue_full")
      waiting.push(arrival)
    },
    stats: () => ({
      limit: options.limit.current(),
      inFlight,
      queued: waiting.length - head,
      refused: { ...refused },
      serviceMs
    })
  }
}
