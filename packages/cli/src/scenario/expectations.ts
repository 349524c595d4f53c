import { firstDifference } from "@orchestra/testkit/replay/InteractionMatch"
import { parseJsonPath, valueAt } from "./jsonPath.ts"

const show = (u: unknown) => (u === undefined ? "nothing" : JSON.stringify(u))

const isCheck = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && Object.keys(u).length === 1 && (Object.keys(u)[0] ?? "").startsWith("$")

/** What is wrong with `actual` against one expectation, or undefined when it holds. */
const judge = (expected: unknown, found: boolean, actual: unknown): string | undefined => {
  if (!isCheck(expected)) {
    if (!found) return `expected ${show(expected)}, found nothing`
    const difference = firstDifference(actual, expected)
    return difference === undefined ? undefined : `expected ${show(expected)}, got ${show(actual)}`
  }
  const [check, want] = Object.entries(expected)[0] ?? ["", undefined]
  switch (check) {
    case "$exists":
      return found === (want === true) ? undefined : want === true ? "expected a value, found nothing" : `expected nothing, got ${show(actual)}`
    case "$length":
      return (Array.isArray(actual) || typeof actual === "string") && actual.length === want
        ? undefined
        : `expected length ${show(want)}, got ${Array.isArray(actual) || typeof actual === "string" ? actual.length : show(actual)}`
    case "$contains":
      if (typeof actual === "string" && typeof want === "string") return actual.includes(want) ? undefined : `expected ${show(actual)} to contain ${show(want)}`
      return Array.isArray(actual) && actual.some((item) => firstDifference(item, want) === undefined)
        ? undefined
        : `expected ${show(actual)} to contain ${show(want)}`
    case "$gte":
      return typeof actual === "number" && typeof want === "number" && actual >= want ? undefined : `expected at least ${show(want)}, got ${show(actual)}`
    case "$lte":
      return typeof actual === "number" && typeof want === "number" && actual <= want ? undefined : `expected at most ${show(want)}, got ${show(actual)}`
    default:
      return `unknown check ${check} (known: $exists, $length, $contains, $gte, $lte)`
  }
}

/** Every failed expectation of a response, one line each: `$.path: what was wrong`. */
export const checkExpectations = (
  expect: { readonly status?: number; readonly json?: Readonly<Record<string, unknown>> } | undefined,
  status: number,
  body: unknown
): ReadonlyArray<string> => {
  const failures: Array<string> = []
  if (expect?.status !== undefined && expect.status !== status) failures.push(`status: expected ${expect.status}, got ${status}`)
  for (const [path, expected] of Object.entries(expect?.json ?? {})) {
    const parts = parseJsonPath(path)
    if (parts === undefined) {
      failures.push(`${path}: not a JSON path (write $.a.b[0].c)`)
      continue
    }
    const { found, value } = valueAt(body, parts)
    const wrong = judge(expected, found, value)
    if (wrong !== undefined) failures.push(`${path}: ${wrong}`)
  }
  return failures
}
