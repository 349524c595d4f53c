import { Data, Deferred, Effect, Result } from "effect"

/**
 * A fault injected into a downstream call, named by step as the trace names it
 * (`inventory.checkAvailability`), a whole service (`inventory.*`) or everything (`*`).
 */
export type Fault = Data.TaggedEnum<{
  Latency: { readonly millis: number }
  Error: { readonly status: number }
  Timeout: {}
  /** The call is made and acts; its answer never comes back (a write that "timed out but happened"). */
  LostReply: {}
  /**
   * Holds the call at its gate, before it reaches the service or after (its answer held back),
   * until the gate opens: a test's way to stop a flow exactly between two steps. Programmatic only.
   */
  Hold: { readonly gate: CallGate; readonly point: "before" | "after" }
}>
export const Fault = Data.taggedEnum<Fault>()

/** Where a held call waits: `reached` once a call got there, `open` lets every held call go on. */
export interface CallGate {
  readonly reached: Deferred.Deferred<void>
  readonly opened: Deferred.Deferred<void>
}

export const makeGate: Effect.Effect<CallGate> = Effect.sync(() => ({ reached: Deferred.makeUnsafe(), opened: Deferred.makeUnsafe() }))

export const openGate = (gate: CallGate) => Deferred.succeed(gate.opened, undefined)

export interface FaultRule {
  readonly target: string
  readonly fault: Fault
  /** Probability in [0, 1] that a matching call gets the fault; decided by a seeded generator. */
  readonly rate: number
}

export const matches = (target: string, service: string, endpoint: string): boolean =>
  target === "*" || target === `${service}.*` || target === `${service}.${endpoint}`

const parseFault = (text: string): Fault | undefined => {
  if (text === "timeout") return Fault.Timeout()
  if (text === "lost-reply") return Fault.LostReply()
  const error = /^error:(\d{3})$/.exec(text)
  if (error) return Fault.Error({ status: Number(error[1]) })
  const latency = /^latency:(\d+)(ms|s)$/.exec(text)
  if (latency) return Fault.Latency({ millis: Number(latency[1]) * (latency[2] === "s" ? 1000 : 1) })
  return undefined
}

/**
 * Parses `step=fault[@rate]` pairs separated by commas, e.g.
 * `marketing.promotionsApplicable=error:503,inventory.checkAvailability=latency:300ms@0.5,cart.*=timeout`.
 */
export const parseFaultSpec = (spec: string): Result.Result<ReadonlyArray<FaultRule>, string> => {
  const rules: Array<FaultRule> = []
  for (const part of spec.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
    const match = /^([A-Za-z*][\w]*(?:\.(?:\*|\w+))?)=([^@]+)(?:@([\d.]+))?$/.exec(part)
    const fault = match ? parseFault(match[2]!) : undefined
    const rate = match?.[3] === undefined ? 1 : Number(match[3])
    if (!match || fault === undefined || !(rate >= 0 && rate <= 1)) {
      return Result.fail(
        `Bad fault "${part}": expected service.endpoint=timeout|lost-reply|error:<status>|latency:<n>ms[@rate], e.g. inventory.checkAvailability=latency:300ms`
      )
    }
    rules.push({ target: match[1]!, fault, rate })
  }
  return Result.succeed(rules)
}
