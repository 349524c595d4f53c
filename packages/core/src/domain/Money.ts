import { Schema, SchemaTransformation } from "effect"

/**
 * Money inside Orchestra is an integer count of minor units (paise for INR). Floats exist only
 * on the wire, where amounts are major-unit numbers with at most two decimals.
 */
export const Minor = Schema.Int.pipe(Schema.brand("Minor"))
export type Minor = typeof Minor.Type

/** Largest major amount accepted on the wire: keeps every minor-unit sum a safe integer. */
export const MAX_MAJOR = 1_000_000_000

const TWO_DECIMALS = /^-?\d+(\.\d{1,2})?$/

// Each check carries its JSON Schema keyword, so the OpenAPI document states exactly what is enforced.
const hasTwoDecimals = Schema.makeFilter<number>((n) => TWO_DECIMALS.test(String(n)) || "Expected an amount with at most 2 decimals", {
  toJsonSchema: () => ({ multipleOf: 0.01 })
})
const atLeast = (minimum: number, message: string) =>
  Schema.makeFilter<number>((n) => n >= minimum || message, { toJsonSchema: () => ({ minimum }) })
const atMost = (maximum: number, message: string) =>
  Schema.makeFilter<number>((n) => n <= maximum || message, { toJsonSchema: () => ({ maximum }) })

/**
 * A wire amount from `minimum` to `maximum` major units: a finite number with at most two
 * decimals, decoded to minor units. The shortest decimal form of the number decides, so 0.1 + 0.2
 * is rejected (it prints as 0.30000000000000004) while 21564.06 is accepted. The bounds are checked
 * on the wire number, where the document can state them.
 */
export const amountBetween = (minimum: number, maximum: number, what = "an amount") =>
  Schema.Finite.pipe(
    Schema.check(
      hasTwoDecimals,
      atLeast(minimum, minimum === 0 ? `Expected a non-negative amount` : `Expected ${what} of at least ${minimum}`),
      atMost(maximum, `Expected ${what} of at most ${maximum}`)
    ),
    Schema.decodeTo(
      // The same bounds in minor units, so values made from the decoded type (arbitraries, encoding) stay in range.
      Minor.pipe(Schema.check(Schema.isBetween({ minimum: minimum * 100, maximum: maximum * 100 }))),
      SchemaTransformation.transform({
        decode: (major: number) => Math.round(major * 100),
        encode: (minor: number) => minor / 100
      })
    )
  )

/** A wire amount, possibly negative (discounts). */
export const Amount = amountBetween(-MAX_MAJOR, MAX_MAJOR)

/** A wire amount that must not be negative (prices, charges, payment amounts). */
export const NonNegativeAmount = amountBetween(0, MAX_MAJOR)

export const Currency = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Z]{3}$/u, { expected: "an ISO 4217 currency code" })),
  Schema.brand("Currency")
)
export type Currency = typeof Currency.Type

export const minor = (n: number): Minor => Minor.make(n)

export const ZERO: Minor = minor(0)

export const sum = (amounts: Iterable<number>): Minor => {
  let total = 0
  for (const a of amounts) total += a
  return minor(total)
}

export const times = (amount: Minor, quantity: number): Minor => minor(amount * quantity)

/**
 * `numerator / denominator` rounded half away from zero, in exact integer arithmetic: tax and
 * percentages on large carts would lose paise through a float product.
 */
export const divideHalfUp = (numerator: number | bigint, denominator: number | bigint): number => {
  const n = BigInt(numerator)
  const d = BigInt(denominator)
  if (d <= 0n) throw new RangeError("denominator must be positive")
  const magnitude = ((n < 0n ? -n : n) * 2n + d) / (2n * d)
  return Number(n < 0n ? -magnitude : magnitude)
}

/** Basis points (1/100 of a percent): rates are kept as integers too. */
export const Bps = Schema.Int.pipe(Schema.brand("Bps"))
export type Bps = typeof Bps.Type

/** A wire rate such as 0.05 (5 %), decoded to basis points. */
export const Rate = Schema.Finite.pipe(
  Schema.check(Schema.isBetween({ minimum: 0, maximum: 1 })),
  Schema.decodeTo(
    Bps,
    SchemaTransformation.transform({
      decode: (rate: number) => Math.round(rate * 10_000),
      encode: (bps: number) => bps / 10_000
    })
  )
)

// Products are taken in BigInt: amount × rate can pass 2^53 for amounts the schemas accept.
export const applyBps = (amount: number, bps: number): Minor => minor(divideHalfUp(BigInt(amount) * BigInt(bps), 10_000))

export const applyPercent = (amount: number, percent: number): Minor =>
  minor(divideHalfUp(BigInt(amount) * BigInt(percent), 100))

/** The tax already contained in a tax-inclusive amount: amount × rate / (1 + rate). */
export const includedTax = (amount: number, bps: number): Minor =>
  minor(divideHalfUp(BigInt(amount) * BigInt(bps), 10_000 + bps))

/**
 * Splits `total` over `weights` so that the parts sum to `total` exactly (largest remainder
 * method). Ties go to the earlier weight, so the split is deterministic. With no positive weight
 * the total is split evenly.
 */
export const allocate = (total: number, weights: ReadonlyArray<number>): Array<Minor> => {
  if (weights.length === 0) return []
  if (total < 0) return allocate(-total, weights).map((part) => minor(-part))
  const positive = weights.map((w) => Math.max(0, w))
  const effective = positive.some((w) => w > 0) ? positive : positive.map(() => 1)
  const weightSum = BigInt(effective.reduce((a, b) => a + b, 0))
  const big = BigInt(total)
  const shares = effective.map((w, index) => {
    const exact = big * BigInt(w)
    return { index, floor: exact / weightSum, remainder: exact % weightSum }
  })
  let left = big - shares.reduce((acc, s) => acc + s.floor, 0n)
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1
  )
  const bonus = new Set<number>()
  for (const s of byRemainder) {
    if (left <= 0n) break
    bonus.add(s.index)
    left -= 1n
  }
  return shares.map((s) => minor(Number(s.floor) + (bonus.has(s.index) ? 1 : 0)))
}

/** "20597.00": for messages and CLI output, never for arithmetic. */
export const format = (amount: number): string => {
  const sign = amount < 0 ? "-" : ""
  const abs = Math.abs(amount)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`
}

/** Major-unit number for the wire. */
export const toMajor = (amount: number): number => amount / 100
