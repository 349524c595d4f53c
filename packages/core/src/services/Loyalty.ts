import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { CustomerId, OrderId } from "../domain/Ids.ts"
import { NonNegativeAmount } from "../domain/Money.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceConflict, ResourceNotFound } from "./DownstreamErrors.ts"

const Points = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

export const LoyaltyAccount = Schema.Struct({ customer_id: CustomerId, points: Points, point_value: NonNegativeAmount })
export const Redemption = Schema.Struct({
  redemption_id: Schema.String,
  points: Points,
  amount: NonNegativeAmount,
  reversed: Schema.Boolean
})

// The seed names the loyalty service (points redemption, rewards) without its endpoints; these
// paths are ours, documented in docs/downstream.md.
export const LoyaltyGroup = HttpApiGroup.make("loyalty")
  .add(
    HttpApiEndpoint.get("account", "/api/loyalty/accounts/:customer_id", {
      params: { customer_id: CustomerId },
      success: LoyaltyAccount,
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.post("redeem", "/api/loyalty/redeem", {
      payload: Schema.Struct({ idempotency_key: Schema.String, customer_id: CustomerId, order_id: OrderId, points: Points }),
      success: Redemption,
      error: [ResourceNotFound, ResourceConflict]
    })
  )
  .add(
    HttpApiEndpoint.post("reverse", "/api/loyalty/redemptions/:redemption_id/reverse", {
      params: { redemption_id: Schema.String },
      payload: Schema.Struct({ idempotency_key: Schema.String }),
      success: Redemption,
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.post("reward", "/api/loyalty/rewards", {
      payload: Schema.Struct({ idempotency_key: Schema.String, customer_id: CustomerId, order_id: OrderId, points: Points }),
      success: LoyaltyAccount,
      error: ResourceNotFound
    })
  )

export const LoyaltyApi = HttpApi.make("loyalty").add(LoyaltyGroup)

export class LoyaltyService extends Context.Service<LoyaltyService, Client<typeof LoyaltyGroup>>()(
  "orchestra/LoyaltyService"
) {
  static readonly layer = liveLayer(LoyaltyService, LoyaltyApi, "loyalty")
}
