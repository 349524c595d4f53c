import { Duration, Random, Schedule } from "effect"

export interface FullJitterOptions {
  readonly baseMs: number
  readonly capMs: number
}

/**
 * Capped full jitter: the n-th retry (counting from 0) waits a whole number of milliseconds drawn
 * uniformly from [0, min(cap, base × 2^n)]. `Schedule.jittered` only scales each delay by
 * 0.8–1.2, so callers that failed together would still retry together and hit a recovering
 * service in waves; spreading each retry over its whole window breaks those waves up. The draw
 * comes from Effect's `Random`, so a test can seed it or replace it.
 */
export const fullJitter = (options: FullJitterOptions) =>
  Schedule.exponential(Duration.millis(options.baseMs)).pipe(
    Schedule.modifyDelay(({ duration }) =>
      Random.nextIntBetween(0, Math.min(options.capMs, Duration.toMillis(duration)))
    )
  )
