import { Schema } from "effect"
import { BundleId, ProductId } from "./Ids.ts"
import { NonNegativeAmount } from "./Money.ts"

export const SuggestionType = Schema.Literals(["COMPLEMENTARY", "THRESHOLD_BASED", "BUNDLE", "UPSELL", "REMINDER"])
export type SuggestionType = typeof SuggestionType.Type

/** The order groups are answered in: the seed's example. Also the tie-break between groups. */
export const suggestionTypeOrder: ReadonlyArray<SuggestionType> = SuggestionType.literals

export const ReminderSource = Schema.Literals(["WISHLIST", "RECENTLY_VIEWED"])
export type ReminderSource = typeof ReminderSource.Type

export const SuggestionItem = Schema.Struct({
  product_id: ProductId,
  name: Schema.String,
  price: Schema.optionalKey(NonNegativeAmount),
  reason: Schema.optionalKey(Schema.String),
  source: Schema.optionalKey(ReminderSource)
})
export type SuggestionItem = typeof SuggestionItem.Type

export const Suggestion = Schema.Struct({
  type: SuggestionType,
  title: Schema.String,
  items: Schema.Array(SuggestionItem),
  bundle: Schema.optionalKey(
    Schema.Struct({ bundle_id: BundleId, name: Schema.String, bundle_price: NonNegativeAmount, savings: NonNegativeAmount })
  ),
  threshold: Schema.optionalKey(
    Schema.Struct({
      target_amount: NonNegativeAmount,
      current_amount: NonNegativeAmount,
      remaining_amount: NonNegativeAmount,
      benefit: Schema.Literal("FREE_DELIVERY")
    })
  )
})
export type Suggestion = typeof Suggestion.Type

export const SuggestionsMeta = Schema.Struct({
  total_suggestions: Schema.Int,
  suggestion_types: Schema.Array(SuggestionType),
  degraded_sources: Schema.Array(Schema.String)
})
export type SuggestionsMeta = typeof SuggestionsMeta.Type
