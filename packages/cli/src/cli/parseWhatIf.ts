import { Effect } from "effect"
import { downstreamServices } from "@orchestra/core/services/index"
import { type FaultRule, parseFaultSpec } from "@orchestra/testkit/faults/Fault"
import { contractSteps } from "@orchestra/testkit/replay/ContractRoutes"
import { UsageError } from "../CliFailure.ts"

const knownTarget = (target: string) =>
  target === "*" ||
  contractSteps.includes(target) ||
  downstreamServices.some((service) => target === `${service}.*`)

/**
 * `--what-if inventory.checkAvailability=timeout` (repeatable, or comma-separated) as fault
 * rules, in the sandbox's fault syntax. A target that names no downstream call is bad usage:
 * a typo would otherwise change nothing and look like a clean run.
 */
export const parseWhatIf = (specs: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<FaultRule>, UsageError> =>
  Effect.gen(function* () {
    const rules: Array<FaultRule> = []
    for (const spec of specs) {
      const parsed = parseFaultSpec(spec)
      if (parsed._tag === "Failure") return yield* new UsageError({ message: `--what-if ${parsed.failure}` })
      rules.push(...parsed.success)
    }
    const unknown = rules.filter((rule) => !knownTarget(rule.target))
    if (unknown.length > 0) {
      return yield* new UsageError({
        message: `--what-if ${unknown.map((rule) => rule.target).join(", ")}: no such downstream call. Known: ${contractSteps.join(", ")}`
      })
    }
    return rules
  })
