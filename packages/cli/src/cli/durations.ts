import { Duration, Result } from "effect"

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

const WHOLE = /^(?:\d+[smhd])+$/
const PART = /(\d+)([smhd])/g

/**
 * An operator's duration: `45s`, `15m`, `2h`, `3d`, or several together (`1h30m`). Anything else
 * is refused with what was expected.
 */
export const parseDuration = (text: string): Result.Result<Duration.Duration, string> => {
  const trimmed = text.trim()
  if (!WHOLE.test(trimmed)) return Result.fail(`expected a duration like 15m, 2h, 3d or 1h30m, got "${text}"`)
  let ms = 0
  for (const [, amount = "0", unit = ""] of trimmed.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit] ?? 0)
  return Number.isSafeInteger(ms) ? Result.succeed(Duration.millis(ms)) : Result.fail(`"${text}" is too long a duration`)
}

const two = (n: number) => String(n).padStart(2, "0")

/** How long ago, to the two largest units: `42s`, `12m 05s`, `3h 04m`, `2d 03h`. */
export const formatAge = (ms: number): string => {
  const seconds = Math.max(0, Math.floor(ms / 1_000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${two(seconds % 60)}s`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours}h ${two(minutes % 60)}m`
  return `${Math.floor(hours / 24)}d ${two(hours % 24)}h`
}
