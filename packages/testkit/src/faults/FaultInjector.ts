import { Context, Effect, Layer } from "effect"
import type { Fault, FaultRule } from "./Fault.ts"
import { matches } from "./Fault.ts"
import { mulberry32 } from "./mulberry32.ts"

/**
 * Decides which faults a downstream call suffers. Rates use a seeded generator (mulberry32), so
 * a test or a replayed incident sees the same faults in the same order every run.
 */
export class FaultInjector extends Context.Service<
  FaultInjector,
  {
    readonly rules: () => ReadonlyArray<FaultRule>
    readonly set: (rules: ReadonlyArray<FaultRule>) => Effect.Effect<void>
    readonly add: (rule: FaultRule) => Effect.Effect<void>
    readonly clear: Effect.Effect<void>
    /** The faults for one call: latencies add up; the first error or timeout wins. */
    readonly decide: (service: string, endpoint: string) => Effect.Effect<ReadonlyArray<Fault>>
    /** How many faults were injected so far, for soak-test figures. */
    readonly injected: () => number
    /** Every `service.endpoint` a decision was asked for, in order: which calls reached the sandbox. */
    readonly calls: () => ReadonlyArray<string>
  }
>()("orchestra/testkit/FaultInjector") {
  static readonly make = (options: { readonly rules?: ReadonlyArray<FaultRule>; readonly seed?: number } = {}) =>
    Layer.sync(FaultInjector, () => {
      let rules: ReadonlyArray<FaultRule> = options.rules ?? []
      let injected = 0
      const calls: Array<string> = []
      const random = mulberry32(options.seed ?? 42)
      return FaultInjector.of({
        rules: () => rules,
        set: (next) =>
          Effect.sync(() => {
            rules = next
          }),
        add: (rule) =>
          Effect.sync(() => {
            rules = [...rules, rule]
          }),
        clear: Effect.sync(() => {
          rules = []
        }),
        decide: (service, endpoint) =>
          Effect.sync(() => {
            calls.push(`${service}.${endpoint}`)
            // A long-running sandbox (`pnpm start`) must not grow without bound: keep the recent half.
            if (calls.length > MAX_CALLS_KEPT) calls.splice(0, calls.length - MAX_CALLS_KEPT / 2)
            const chosen: Array<Fault> = []
            for (const rule of rules) {
              if (!matches(rule.target, service, endpoint)) continue
              if (rule.rate < 1 && random() >= rule.rate) continue
              chosen.push(rule.fault)
            }
            injected += chosen.length
            return chosen
          }),
        injected: () => injected,
        calls: () => calls
      })
    })

  static readonly layer = FaultInjector.make()
}

const MAX_CALLS_KEPT = 200_000
