import { Config, Schema } from "effect"

/**
 * How many requests (or checkouts) may run at once. Serves the HTTP admission gate and checkout
 * admission (`CheckoutAdmission`). Fixed, or adaptive after TCP Vegas as Netflix's
 * concurrency-limits applies it to servers: the latency of an idle server (the lowest seen
 * lately) against the latency now tells how many requests are queueing for the CPU or a
 * downstream instead of being served; the limit grows while few are, and shrinks when many are.
 * Past the limit requests wait in the gate's short queue or are refused, so the latency of what
 * runs stays near the idle latency instead of growing with the load.
 */
export interface ConcurrencyLimit {
  readonly current: () => number
  /** A request admitted at the limit's `inFlight` ended after `rttMs`, at `now` (ms). */
  readonly sample: (now: number, rttMs: number, inFlight: number) => void
}

export const fixedLimit = (limit: number): ConcurrencyLimit => ({ current: () => limit, sample: () => {} })

export interface AdaptiveLimitOptions {
  readonly initial: number
  readonly min: number
  readonly max: number
  /** A window of samples is judged once it is this long and holds `windowSamples` samples. */
  readonly windowMs: number
  readonly windowSamples: number
  /** The idle latency is the lowest window average of the last this many ms. */
  readonly noLoadMemoryMs: number
}

export const defaultAdaptiveLimit: AdaptiveLimitOptions = {
  initial: 20,
  min: 4,
  max: 256,
  windowMs: 100,
  windowSamples: 10,
  noLoadMemoryMs: 30_000
}

export const adaptiveLimit = (options: AdaptiveLimitOptions = defaultAdaptiveLimit): ConcurrencyLimit => {
  let limit = options.initial
  let windowStart: number | undefined
  let windowSum = 0
  let windowCount = 0
  let windowMaxInFlight = 0
  // The idle latency of the current memory period and of the one before it: a floor that can rise
  // again when the service truly got slower, instead of a minimum held forever.
  let noLoad = Number.POSITIVE_INFINITY
  let previousNoLoad = Number.POSITIVE_INFINITY
  let periodStart: number | undefined

  const judge = (now: number) => {
    const rtt = windowSum / windowCount
    if (periodStart === undefined || now - periodStart >= options.noLoadMemoryMs) {
      previousNoLoad = noLoad
      noLoad = Number.POSITIVE_INFINITY
      periodStart = now
    }
    noLoad = Math.min(noLoad, rtt)
    const idle = Math.min(noLoad, previousNoLoad)
    const log = Math.max(1, Math.log10(limit))
    const queueing = rtt > 0 ? limit * (1 - idle / rtt) : 0
    if (queueing >= 6 * log) limit = limit - log
    // Only a limit that was reached may grow: an idle server learns nothing about its capacity.
    else if (queueing <= 3 * log && windowMaxInFlight * 2 >= limit) limit = limit + log
    limit = Math.min(options.max, Math.max(options.min, limit))
  }

  return {
    current: () => Math.floor(limit),
    sample: (now, rttMs, inFlight) => {
      if (windowStart === undefined) windowStart = now
      windowSum += rttMs
      windowCount++
      windowMaxInFlight = Math.max(windowMaxInFlight, inFlight)
      if (now - windowStart < options.windowMs || windowCount < options.windowSamples) return
      judge(now)
      windowStart = now
      windowSum = 0
      windowCount = 0
      windowMaxInFlight = 0
    }
  }
}

/** A limit as configured: `auto` (adaptive), a number (fixed), `off` (no limit). */
export type LimitSetting = "auto" | "off" | number

export const LimitSettingSchema = Schema.Union([
  Schema.Literals(["auto", "off"]),
  Schema.NumberFromString.pipe(Schema.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)))
])

/** Reads a limit from `name`: `auto` unless set; 0 is `off`. A bad value stops start-up. */
export const limitSetting = (name: string): Config.Config<LimitSetting> =>
  Config.schema(LimitSettingSchema, name).pipe(
    Config.withDefault("auto" as const),
    Config.map((value) => (value === 0 ? "off" : value))
  )

/** The limit a setting asks for, adaptive with `options` for `auto`; none for `off`. */
export const limitFromSetting = (setting: LimitSetting, options: AdaptiveLimitOptions = defaultAdaptiveLimit): ConcurrencyLimit | undefined =>
  setting === "off" ? undefined : setting === "auto" ? adaptiveLimit(options) : fixedLimit(setting)
