import { Pool } from "undici"

/** One request of an open-loop run. */
export interface OpenLoopRequest {
  readonly method: "GET" | "POST"
  readonly path: string
  readonly headers: Record<string, string>
  readonly body?: string
}

export interface OpenLoopSpec {
  readonly port: number
  /** Arrivals per second, at fixed intervals, whatever the server answers. */
  readonly ratePerS: number
  readonly durationS: number
  /** An answer later than this after its request was due counts against goodput. */
  readonly deadlineMs: number
  /** The i-th request; `undefined` when there is nothing left to send (prepared carts used up). */
  readonly request: (i: number) => OpenLoopRequest | undefined
}

export interface OpenLoopRun {
  /** Requests due in the run (rate × duration). */
  readonly offered: number
  readonly sent: number
  /** 2xx answers within the deadline. */
  readonly good: number
  /** 2xx answers after the deadline: the client had given up on them. */
  readonly late: number
  /** 2xx answers whose body carries a warning: a step degraded. */
  readonly degraded: number
  /** 503 OVERLOADED answers (the admission gate) and other non-2xx answers, by status. */
  readonly statuses: Readonly<Record<string, number>>
  /** No answer at all (transport error, or none within twice the deadline). */
  readonly errors: number
  readonly elapsedS: number
  /** Latency of each 2xx answer from when its request was due (so waiting for a connection counts), in ms. */
  readonly latencies: ReadonlyArray<number>
}

// More connections than an overloaded server answers at once: the load never waits for the
// server (it is open-loop), and what the client queues still counts from when it was due.
const CONNECTIONS = 512
const TICK_MS = 2

/**
 * Sends requests at a fixed arrival rate for `durationS` seconds (an open loop: arrivals do not
 * wait for answers, as real users do not wait for each other) and waits for every answer, at most
 * twice the deadline each. Unlike autocannon's connections, a slow server does not slow the load.
 */
export const runOpenLoop = async (spec: OpenLoopSpec): Promise<OpenLoopRun> => {
  const pool = new Pool(`http://127.0.0.1:${spec.port}`, {
    connections: CONNECTIONS,
    pipelining: 1,
    headersTimeout: spec.deadlineMs * 2,
    bodyTimeout: spec.deadlineMs * 2
  })
  const offered = Math.round(spec.ratePerS * spec.durationS)
  const intervalMs = 1000 / spec.ratePerS
  const latencies: Array<number> = []
  const statuses: Record<string, number> = {}
  let sent = 0
  let late = 0
  let degraded = 0
  let errors = 0
  const inFlight: Array<Promise<void>> = []
  const started = performance.now()

  const fire = (request: OpenLoopRequest, dueAt: number) =>
    pool
      .request({
        method: request.method,
        path: request.path,
        headers: request.body === undefined ? request.headers : { ...request.headers, "content-type": "application/json" },
        ...(request.body === undefined ? {} : { body: request.body })
      })
      .then(async (response) => {
        const text = await response.body.text()
        const latency = performance.now() - dueAt
        if (response.statusCode < 200 || response.statusCode >= 300) {
          statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1
          return
        }
        if (latency > spec.deadlineMs) {
          late++
          return
        }
        latencies.push(latency)
        if (/"warnings":\[\{/.test(text)) degraded++
      })
      .catch(() => {
        errors++
      })

  let exhausted = false
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(offered, Math.floor((performance.now() - started) / intervalMs) + 1)
      while (sent < due && !exhausted) {
        const request = spec.request(sent)
        if (request === undefined) {
          exhausted = true
          break
        }
        inFlight.push(fire(request, started + sent * intervalMs))
        sent++
      }
      if (sent >= offered || exhausted) resolve()
      else setTimeout(tick, TICK_MS)
    }
    tick()
  })
  const elapsedS = (performance.now() - started) / 1000
  await Promise.all(inFlight)
  await pool.close()
  return { offered, sent, good: latencies.length, late, degraded, statuses, errors, elapsedS, latencies }
}
