import { Config, Result, Schema, SchemaTransformation } from "effect"
import { type SuggestionType, suggestionTypeOrder } from "../domain/Suggestion.ts"

/**
 * How much a suggestion type counts when one product could go into several groups: a product's
 * relevance in a group is its source score × the group's weight (DESIGN §8). A weight of 0 turns
 * the type off, which also gives BUNDLE — whose members are never deduplicated — a switch.
 */
export type SuggestionWeights = Readonly<Record<SuggestionType, number>>

export const defaultSuggestionWeights: SuggestionWeights = {
  COMPLEMENTARY: 1,
  THRESHOLD_BASED: 1,
  BUNDLE: 0.9,
  UPSELL: 0.8,
  REMINDER: 0.7
}

const isSuggestionType = (name: string): name is SuggestionType => suggestionTypeOrder.some((type) => type === name)

/**
 * Reads `COMPLEMENTARY=1,UPSELL=0.5`: the types named override the defaults, the others keep
 * theirs. Unknown types, repeated types and weights that are not finite and ≥ 0 are refused, so
 * a typo in the environment fails the start instead of silently ranking differently.
 */
export const parseSuggestionWeights = (text: string): Result.Result<SuggestionWeights, string> => {
  const weights: Record<SuggestionType, number> = { ...defaultSuggestionWeights }
  const seen = new Set<string>()
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
    const match = /^([A-Z_]+)=(\d+(?:\.\d+)?)$/.exec(part)
    const name = match?.[1]
    const value = Number(match?.[2])
    if (name === undefined || !isSuggestionType(name) || !Number.isFinite(value)) {
      return Result.fail(`Bad suggestion weight "${part}": expected TYPE=<number ≥ 0> with TYPE one of ${suggestionTypeOrder.join(", ")}`)
    }
    if (seen.has(name)) return Result.fail(`Suggestion weight ${name} is given twice`)
    seen.add(name)
    weights[name] = value
  }
  return Result.succeed(weights)
}

export const printSuggestionWeights = (weights: SuggestionWeights): string =>
  suggestionTypeOrder.map((type) => `${type}=${weights[type]}`).join(",")

const Weight = Schema.Finite.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

const WeightsStruct = Schema.Struct({
  COMPLEMENTARY: Weight,
  THRESHOLD_BASED: Weight,
  BUNDLE: Weight,
  UPSELL: Weight,
  REMINDER: Weight
})

/** The `ORCHESTRA_SUGGESTION_WEIGHTS` text as weights; a bad entry is a decode error naming it. */
export const SuggestionWeightsFromString = Schema.String.pipe(
  Schema.check(Schema.makeFilter<string>((text) => Result.match(parseSuggestionWeights(text), { onSuccess: () => true, onFailure: (e) => e }))),
  Schema.decodeTo(
    WeightsStruct,
    SchemaTransformation.transform({
      decode: (text: string): SuggestionWeights => Result.getOrElse(parseSuggestionWeights(text), () => defaultSuggestionWeights),
      encode: printSuggestionWeights
    })
  )
)

export const SuggestionWeightsConfig: Config.Config<SuggestionWeights> = Config.schema(
  SuggestionWeightsFromString,
  "ORCHESTRA_SUGGESTION_WEIGHTS"
).pipe(Config.withDefault(defaultSuggestionWeights))
