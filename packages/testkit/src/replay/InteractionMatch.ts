import type { Interaction } from "./Fixture.ts"

/** A downstream request as the replaying client sees it, named by its contract route. */
export interface OutgoingCall {
  readonly service: string
  readonly endpoint: string
  readonly method: string
  /** Path with query string, as `Interaction.path` holds it. */
  readonly path: string
  readonly body: unknown
}

export const callName = (call: { readonly service: string; readonly endpoint: string }) => `${call.service}.${call.endpoint}`

export const describeCall = (call: OutgoingCall | Interaction): string =>
  `${callName(call)} (${call.method} ${call.path})`

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Where two JSON values first differ, as a JSON path, or undefined when they are equal. */
export const firstDifference = (
  a: unknown,
  b: unknown,
  path = "$"
): { readonly path: string; readonly sent: unknown; readonly recorded: unknown } | undefined => {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return { path: `${path}[${i}]`, sent: a[i], recorded: b[i] }
      const found = firstDifference(a[i], b[i], `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    for (const key of keys) {
      const found = firstDifference(a[key], b[key], `${path}.${key}`)
      if (found !== undefined) return found
    }
    return undefined
  }
  return Object.is(a, b) || (a === undefined && b === null) || (a === null && b === undefined)
    ? undefined
    : { path, sent: a, recorded: b }
}

/** The matching rule of replay: same service, method, path (with query) and body. */
export const matches = (call: OutgoingCall, interaction: Interaction): boolean =>
  interaction.service === call.service &&
  interaction.method === call.method &&
  interaction.path === call.path &&
  firstDifference(call.body, interaction.request_body) === undefined

const leafCount = (u: unknown): number =>
  Array.isArray(u) ? u.reduce((n: number, x) => n + leafCount(x), 0) : isObject(u) ? Object.values(u).reduce((n: number, x) => n + leafCount(x), 0) : 1

/** Equal leaves of two JSON values: a rough likeness of two bodies. */
const sharedLeaves = (a: unknown, b: unknown): number => {
  if (Array.isArray(a) && Array.isArray(b)) return a.reduce((n: number, x, i) => n + sharedLeaves(x, b[i]), 0)
  if (isObject(a) && isObject(b)) return Object.keys(a).reduce((n, key) => n + sharedLeaves(a[key], b[key]), 0)
  return Object.is(a, b) ? 1 : 0
}

/** Leading path segments two paths share: `/api/carts/cart_1/compute` is nearer `/api/carts/cart_1/items/batch`. */
const sharedSegments = (a: string, b: string): number => {
  const x = a.split(/[/?]/)
  const y = b.split(/[/?]/)
  let n = 0
  while (n < x.length && n < y.length && x[n] === y[n]) n++
  return n
}

const likeness = (call: OutgoingCall, interaction: Interaction): number => {
  let score = 0
  if (interaction.service === call.service) score += 10_000
  if (interaction.endpoint === call.endpoint) score += 10_000
  if (interaction.method === call.method) score += 1000
  score += 100 * sharedSegments(interaction.path, call.path)
  const leaves = Math.max(leafCount(call.body), leafCount(interaction.request_body), 1)
  return score + (50 * sharedLeaves(call.body, interaction.request_body)) / leaves
}

/** The recorded interaction most like a call that has none: same endpoint first, then path and body. */
export const closestInteraction = (call: OutgoingCall, interactions: ReadonlyArray<Interaction>): Interaction | undefined => {
  let best: Interaction | undefined
  let bestScore = -1
  for (const interaction of interactions) {
    const score = likeness(call, interaction)
    if (score > bestScore) {
      best = interaction
      bestScore = score
    }
  }
  return best
}

/** A JSON value in a message, cut short: the path already says where to look. */
const show = (u: unknown): string => {
  if (u === undefined) return "nothing"
  const text = JSON.stringify(u)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** How a call differs from the closest recorded interaction, in one line. */
export const explainDifference = (call: OutgoingCall, interaction: Interaction): string => {
  if (interaction.service !== call.service || interaction.endpoint !== call.endpoint) return "a different endpoint"
  if (interaction.method !== call.method) return `method ${call.method} was sent, ${interaction.method} was recorded`
  if (interaction.path !== call.path) return `path ${call.path} was sent, ${interaction.path} was recorded`
  const difference = firstDifference(call.body, interaction.request_body)
  return difference === undefined
    ? "the same request"
    : `body differs at ${difference.path}: sent ${show(difference.sent)}, recorded ${show(difference.recorded)}`
}
