import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { CustomerId, ProductId } from "../domain/Ids.ts"
import { type Client, liveLayer } from "./Downstream.ts"

export const Candidate = Schema.Struct({
  product_id: ProductId,
  score: Schema.Finite.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  reason: Schema.optionalKey(Schema.String),
  source: Schema.optionalKey(Schema.Literals(["WISHLIST", "RECENTLY_VIEWED"]))
})
export type Candidate = typeof Candidate.Type

const ForProducts = Schema.Struct({ product_ids: Schema.Array(ProductId) })
const Candidates = Schema.Struct({ candidates: Schema.Array(Candidate) })

export const RecommendationsGroup = HttpApiGroup.make("recommendations")
  .add(HttpApiEndpoint.post("complementary", "/api/recommendations/complementary", { payload: ForProducts, success: Candidates }))
  .add(HttpApiEndpoint.post("upsells", "/api/recommendations/upsells", { payload: ForProducts, success: Candidates }))
  .add(
    HttpApiEndpoint.post("reminders", "/api/recommendations/reminders", {
      payload: Schema.Struct({ customer_id: Schema.optionalKey(CustomerId) }),
      success: Candidates
    })
  )

export const RecommendationsApi = HttpApi.make("recommendations").add(RecommendationsGroup)

export class RecommendationsService extends Context.Service<RecommendationsService, Client<typeof RecommendationsGroup>>()(
  "orchestra/RecommendationsService"
) {
  static readonly layer = liveLayer(RecommendationsService, RecommendationsApi, "recommendations")
}
