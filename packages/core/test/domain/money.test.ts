import { Result, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Amount, allocate, applyBps, divideHalfUp, format, MAX_MAJOR } from "../../src/domain/Money.ts"

const decodeAmount = Schema.decodeUnknownSync(Amount)
const decodeAmountResult = Schema.decodeUnknownResult(Amount)
const encodeAmount = Schema.encodeSync(Amount)

const MAX_MINOR = MAX_MAJOR * 100
const minorArb = fc.integer({ min: -MAX_MINOR, max: MAX_MINOR })

/** The decode failure's message, or the empty string when `input` decodes. */
const rejection = (input: unknown): string => {
  const result = decodeAmountResult(input)
  return Result.isFailure(result) ? result.failure.message : ""
}

describe("Amount on the wire", () => {
  it("decodes every 2-decimal major amount to its minor units and encodes it back unchanged", () => {
    fc.assert(
      fc.property(minorArb, (m) => {
        const major = m / 100
        const decoded = decodeAmount(major)
        expect(decoded).toBe(m)
        expect(encodeAmount(decoded)).toBe(major)
      }),
      { numRuns: 2_000 }
    )
  })

  it("decodes the figures the seed uses", () => {
    expect(decodeAmount(21564.06)).toBe(2_156_406)
    expect(decodeAmount(-59.8)).toBe(-5_980)
    expect(decodeAmount(0.29)).toBe(29)
  })

  it("rejects any amount with more than 2 decimals, naming the decimals", () => {
    const moreDecimals = fc
      .record({
        negative: fc.boolean(),
        whole: fc.integer({ min: 0, max: 1_000_000 }),
        // The last digit is non-zero so the number really has that many decimals.
        digits: fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 2, maxLength: 5 }),
        last: fc.integer({ min: 1, max: 9 })
      })
      .map(({ negative, whole, digits, last }) => Number(`${negative ? "-" : ""}${whole}.${digits}${last}`))
    fc.assert(
      fc.property(moreDecimals, (n) => {
        expect(rejection(n)).toContain("at most 2 decimals")
      }),
      { numRuns: 1_000 }
    )
    // 0.1 + 0.2 is 0.30000000000000004 in binary floating point: not a 2-decimal amount.
    expect(rejection(0.1 + 0.2)).toContain("at most 2 decimals")
  })

  it("rejects NaN, infinities, non-numbers and amounts beyond the limit", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, "12.50", null]) {
      expect(rejection(bad)).not.toBe("")
    }
    expect(rejection(MAX_MAJOR + 1)).toContain(`at most ${MAX_MAJOR}`)
    expect(rejection(MAX_MAJOR)).toBe("")
  })
})

/** Largest-remainder parts must each be within 1 of total × w / Σw (in exact rational arithmetic). */
const withinOneOfShare = (part: number, total: number, weight: number, weightSum: number): boolean => {
  const diff = BigInt(part) * BigInt(weightSum) - BigInt(total) * BigInt(weight)
  return (diff < 0n ? -diff : diff) < BigInt(weightSum)
}

describe("allocate", () => {
  const weightsArb = fc.oneof(
    fc.array(fc.integer({ min: 0, max: 1_000_000_000 }), { minLength: 1, maxLength: 20 }),
    fc.array(fc.constant(0), { minLength: 1, maxLength: 20 }),
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 })
  )
  const totalArb = fc.integer({ min: -MAX_MINOR, max: MAX_MINOR })

  it("splits any total exactly, each part within 1 of its pro-rata share, deterministically", () => {
    fc.assert(
      fc.property(totalArb, weightsArb, (total, weights) => {
        const parts = allocate(total, weights)
        expect(parts).toHaveLength(weights.length)
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total)
        // With no positive weight the total is split evenly.
        const effective = weights.some((w) => w > 0) ? weights : weights.map(() => 1)
        const weightSum = effective.reduce((a, b) => a + b, 0)
        parts.forEach((part, i) => {
          expect(Number.isSafeInteger(part)).toBe(true)
          expect(withinOneOfShare(part, total, effective[i] ?? 0, weightSum)).toBe(true)
          if (total !== 0) expect(part === 0 || Math.sign(part) === Math.sign(total)).toBe(true)
        })
        expect(allocate(total, weights)).toEqual(parts)
      }),
      { numRuns: 2_000 }
    )
  })

  it("gives zero-weight entries nothing when another weight is positive", () => {
    expect(allocate(-20_000, [129_900, 54_900])).toEqual([-14_058, -5_942])
    expect(allocate(100, [0, 1, 0])).toEqual([0, 100, 0])
    expect(allocate(10, [0, 0, 0])).toEqual([4, 3, 3])
    expect(allocate(5, [])).toEqual([])
  })
})

/** Half away from zero, by integer reasoning only. */
const halfUpReference = (n: bigint, d: bigint): bigint => {
  const q = n / d
  const r = n % d
  const twice = (r < 0n ? -r : r) * 2n
  if (twice >= d) return n < 0n ? q - 1n : q + 1n
  return q
}

describe("divideHalfUp", () => {
  it("matches half-up-away-from-zero integer division", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
        (n, d) => {
          expect(divideHalfUp(n, d)).toBe(Number(halfUpReference(BigInt(n), BigInt(d))))
        }
      ),
      { numRuns: 2_000 }
    )
  })

  it("rounds halves away from zero", () => {
    expect(divideHalfUp(5, 2)).toBe(3)
    expect(divideHalfUp(-5, 2)).toBe(-3)
    expect(divideHalfUp(4, 3)).toBe(1)
    expect(divideHalfUp(-4, 3)).toBe(-1)
    expect(divideHalfUp(5, 3)).toBe(2)
    expect(Object.is(divideHalfUp(-1, 3), 0)).toBe(true)
  })

  it("refuses a denominator that is not positive", () => {
    expect(() => divideHalfUp(1, 0)).toThrow(RangeError)
    expect(() => divideHalfUp(1, -2)).toThrow(RangeError)
  })
})

describe("format", () => {
  it("prints minor units as a 2-decimal major amount", () => {
    expect(format(2_156_406)).toBe("21564.06")
    expect(format(-5_980)).toBe("-59.80")
    expect(format(0)).toBe("0.00")
    expect(format(5)).toBe("0.05")
    expect(format(-5)).toBe("-0.05")
  })

  it("round-trips through the wire schema", () => {
    fc.assert(
      fc.property(minorArb, (m) => {
        expect(format(m)).toMatch(/^-?\d+\.\d{2}$/)
        expect(decodeAmount(Number(format(m)))).toBe(m)
      }),
      { numRuns: 2_000 }
    )
  })
})

describe("rates on large amounts", () => {
  it("stays exact past 2^53 (amount × rate is taken in BigInt)", () => {
    expect(applyBps(4922778232838, 8321)).toBe(4096243767544)
    expect(applyBps(7020281776957, 6814)).toBe(4783620002818)
  })
})
