import autocannon from "autocannon"

/** One autocannon run as recorded: only 2xx answers count as served; everything else is an error. */
export interface LoadRun {
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly elapsedS: number
  /** Latency of each 2xx answer, in fractional milliseconds. */
  readonly latencies: ReadonlyArray<number>
  /** Status codes other than 2xx, with counts: what to look at when `non2xx` is not 0. */
  readonly statuses: Readonly<Record<string, number>>
}

/** Several runs of one side of a scenario, taken together. */
export interface LoadFigures {
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly elapsed_s: number
  readonly rps: number
  readonly p50_ms: number
  readonly p99_ms: number
  readonly mean_ms: number
  readonly statuses: Record<string, number>
}

export interface LoadSpec {
  readonly port: number
  readonly connections: number
  readonly durationS: number
  readonly method: "GET" | "POST"
  readonly path: string
  /** Headers for the i-th connection (its owner and signature), set once when it opens. */
  readonly connectionHeaders: (connection: number) => Record<string, string>
  /** Per-request headers and body, when every request must differ (a fresh owner, a new key). */
  readonly perRequest?: (request: number) => { readonly headers?: Record<string, string>; readonly body?: string } | undefined
  readonly body?: string
}

/**
 * Exact percentiles of the recorded latencies. autocannon's own histogram keeps whole
 * milliseconds, too coarse for overheads of a millisecond; its `response` event carries the
 * latency in fractional milliseconds, which is what is recorded here.
 */
const percentile = (sorted: Float64Array, p: number) => {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits

export const figuresOf = (runs: ReadonlyArray<LoadRun>): LoadFigures => {
  const sorted = Float64Array.from(runs.flatMap((r) => r.latencies)).sort()
  const ok = sorted.length
  const elapsed = runs.reduce((sum, r) => sum + r.elapsedS, 0)
  const statuses: Record<string, number> = {}
  for (const run of runs) for (const [code, n] of Object.entries(run.statuses)) statuses[code] = (statuses[code] ?? 0) + n
  return {
    ok,
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    elapsed_s: round(elapsed, 3),
    rps: elapsed > 0 ? round(ok / elapsed, 1) : 0,
    p50_ms: round(percentile(sorted, 50), 3),
    p99_ms: round(percentile(sorted, 99), 3),
    mean_ms: ok === 0 ? Number.NaN : round(sorted.reduce((sum, v) => sum + v, 0) / ok, 3),
    statuses
  }
}

/** A bounded run on 127.0.0.1: `connections` keep-alive connections for `durationS` seconds. */
export const runLoad = (spec: LoadSpec): Promise<LoadRun> =>
  new Promise((resolve, reject) => {
    const latencies: Array<number> = []
    const statuses: Record<string, number> = {}
    let connection = 0
    let request = 0
    let exhaustedAt: number | undefined
    const startedAt = performance.now()
    const perRequest = spec.perRequest
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${spec.port}`,
        connections: spec.connections,
        duration: spec.durationS,
        timeout: 20,
        requests: [
          {
            method: spec.method,
            path: spec.path,
            ...(spec.body === undefined ? {} : { body: spec.body }),
            ...(perRequest === undefined
              ? {}
              : {
                  setupRequest: (req) => {
                    const next = exhaustedAt === undefined ? perRequest(request++) : undefined
                    if (next === undefined) {
                      // Out of prepared state (e.g. carts to place): stop counting and end the run; until
                      // it ends, connections ask for /health rather than send requests bound to fail.
                      if (exhaustedAt === undefined) {
                        exhaustedAt = performance.now()
                        setImmediate(() => instance.stop())
                      }
                      return { ...req, method: "GET", path: "/health", body: undefined }
                    }
                    return {
                      ...req,
                      ...(next.headers === undefined ? {} : { headers: { ...req.headers, ...next.headers } }),
                      ...(next.body === undefined ? {} : { body: next.body })
                    }
                  }
                })
          }
        ],
        setupClient: (client) => {
          client.setHeaders(spec.connectionHeaders(connection++))
        }
      },
      (error: unknown, result) => {
        if (error) {
          reject(error)
          return
        }
        resolve({
          ok: latencies.length,
          non2xx: result.non2xx,
          errors: result.errors,
          elapsedS: ((exhaustedAt ?? performance.now()) - startedAt) / 1000,
          latencies,
          statuses
        })
      }
    )
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (exhaustedAt !== undefined) return
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
      else statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
    })
  })
