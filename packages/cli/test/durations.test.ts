import { assert, describe, it } from "@effect/vitest"
import { Duration, Result } from "effect"
import fc from "fast-check"
import { formatAge, parseDuration } from "../src/cli/durations.ts"

const MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const
const units = ["d", "h", "m", "s"] as const
const unitMs = (unit: string) => (unit === "d" ? MS.d : unit === "h" ? MS.h : unit === "m" ? MS.m : MS.s)

describe("--older-than durations", () => {
  it("any sum of days, hours, minutes and seconds, in any order, is their total", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.constantFrom(...units)), { minLength: 1, maxLength: 4 }), (parts) => {
        const parsed = parseDuration(parts.map(([amount, unit]) => `${amount}${unit}`).join(""))
        assert.isTrue(Result.isSuccess(parsed))
        const total = parts.reduce((sum, [amount, unit]) => sum + amount * MS[unit], 0)
        assert.strictEqual(Duration.toMillis(Result.getOrThrow(parsed)), total)
      })
    )
  })

  it("anything else is refused, naming what was expected", () => {
    for (const text of ["", "15", "m", "2 hours", "1.5h", "-3d", "3w", "15m!", "h2"]) {
      const parsed = parseDuration(text)
      assert.isTrue(Result.isFailure(parsed), text)
      assert.include(Result.isFailure(parsed) ? parsed.failure : "", "expected a duration like 15m, 2h, 3d or 1h30m")
    }
  })

  it("ages read to their two largest units", () => {
    assert.strictEqual(formatAge(0), "0s")
    assert.strictEqual(formatAge(59_999), "59s")
    assert.strictEqual(formatAge(12 * MS.m + 5 * MS.s), "12m 05s")
    assert.strictEqual(formatAge(3 * MS.h + 4 * MS.m + 59 * MS.s), "3h 04m")
    assert.strictEqual(formatAge(2 * MS.d + 3 * MS.h + 7 * MS.m), "2d 03h")
    assert.strictEqual(formatAge(-5_000), "0s")
  })

  it("an age never reads smaller than a shorter one", () => {
    const unitsDown = (text: string) =>
      [...text.matchAll(/(\d+)([dhms])/g)].reduce((sum, [, amount, unit]) => sum + Number(amount) * unitMs(unit ?? ""), 0)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * MS.d }), fc.integer({ min: 0, max: 400 * MS.d }), (a, b) => {
        const [shorter, longer] = a <= b ? [a, b] : [b, a]
        assert.isAtMost(unitsDown(formatAge(shorter)), unitsDown(formatAge(longer)))
        assert.isAtMost(unitsDown(formatAge(longer)), longer)
      })
    )
  })
})
