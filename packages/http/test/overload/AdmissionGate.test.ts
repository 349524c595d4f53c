import { describe, expect, it } from "@effect/vitest"
import { type Arrival, makeAdmissionGate, type Refusal } from "../../src/overload/AdmissionGate.ts"
import { fixedLimit } from "@orchestra/core/resilience/ConcurrencyLimit"

/** A request as the gate sees it, recording what happened to it; `finish` gives its slot back at `now`. */
const request = (arrivedAt: number) => {
  const seen: { started: boolean; refused: Refusal | undefined; release: ((now: number) => void) | undefined } = {
    started: false,
    refused: undefined,
    release: undefined
  }
  const arrival: Arrival = {
    arrivedAt,
    start: (release) => {
      seen.started = true
      seen.release = release
    },
    refuse: (reason) => {
      seen.refused = reason
    }
  }
  return { arrival, seen, finish: (now: number) => seen.release!(now) }
}

describe("AdmissionGate", () => {
  it("runs up to the limit, queues up to the queue, refuses beyond; a freed slot goes to the first in line", () => {
    const gate = makeAdmissionGate({ limit: fixedLimit(2), queue: 1, deadlineMs: 5_000 })
    const [a, b, c, d] = [request(0), request(0), request(0), request(0)]
    for (const r of [a, b, c, d]) gate.arrive(0, r.arrival)
    expect([a, b, c, d].map((r) => r.seen.started)).toEqual([true, true, false, false])
    expect(d.seen.refused).toBe("queue_full")
    expect(gate.stats()).toMatchObject({ limit: 2, inFlight: 2, queued: 1, refused: { queue_full: 1, deadline: 0 } })
    a.finish(10)
    expect(c.seen.started).toBe(true)
    expect(gate.stats()).toMatchObject({ inFlight: 2, queued: 0 })
    // A slot given back twice is given back once.
    a.finish(11)
    expect(gate.stats().inFlight).toBe(2)
    // A newcomer never overtakes the line: with one waiting, it waits too.
    const e = request(12)
    const f = request(12)
    gate.arrive(12, e.arrival)
    gate.arrive(12, f.arrival)
    expect(f.seen.refused).toBe("queue_full")
    b.finish(20)
    expect(e.seen.started).toBe(true)
  })

  it("drops a queued request whose deadline can no longer be met, and runs the next one instead", () => {
    const gate = makeAdmissionGate({ limit: fixedLimit(1), queue: 2, deadlineMs: 100 })
    const first = request(0)
    gate.arrive(0, first.arrival)
    first.finish(40) // requests take 40 ms
    const running = request(50)
    gate.arrive(50, running.arrival)
    const early = request(55) // deadline 155
    const late = request(100) // deadline 200
    gate.arrive(55, early.arrival)
    gate.arrive(100, late.arrival)
    // At 120 the early one has 35 ms left, less than a request takes: dropped, not run.
    running.finish(120)
    expect(early.seen).toMatchObject({ started: false, refused: "deadline" })
    expect(late.seen.started).toBe(true)
    expect(gate.stats().refused).toEqual({ queue_full: 0, deadline: 1 })
  })

  it("never starts a request whose deadline is shorter than a request takes, even with a free slot", () => {
    const gate = makeAdmissionGate({ limit: fixedLimit(4), queue: 4, deadlineMs: 30 })
    const slow = request(0)
    gate.arrive(0, slow.arrival)
    slow.finish(50)
    const next = request(60)
    gate.arrive(60, next.arrival)
    expect(next.seen).toMatchObject({ started: false, refused: "deadline" })
  })

  it("without a fixed queue, as many may wait as may run", () => {
    const gate = makeAdmissionGate({ limit: fixedLimit(3), queue: undefined, deadlineMs: 5_000 })
    const all = Array.from({ length: 7 }, () => request(0))
    for (const r of all) gate.arrive(0, r.arrival)
    expect(all.filter((r) => r.seen.started)).toHaveLength(3)
    expect(all.filter((r) => r.seen.refused === "queue_full")).toHaveLength(1)
    expect(gate.stats().queued).toBe(3)
  })
})
