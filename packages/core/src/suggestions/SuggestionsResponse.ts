import { Schema } from "effect"
import { mergedFromGuestField } from "../flows/mergedFromGuest.ts"
import { Suggestion, SuggestionsMeta } from "../domain/Suggestion.ts"

/**
 * GET /cart/suggestions, as the seed answers it. Degraded sources are named in `meta` only: a
 * missing group is the whole consequence, so there is no `warnings[]` here.
 */
export const SuggestionsResponse = Schema.Struct({
  success: Schema.Literal(true),
  suggestions: Schema.Array(Suggestion),
  meta: SuggestionsMeta,
  ...mergedFromGuestField
})
export type SuggestionsResponse = typeof SuggestionsResponse.Type
