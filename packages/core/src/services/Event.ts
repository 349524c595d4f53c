import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { OrderId } from "../domain/Ids.ts"
import { Currency, NonNegativeAmount } from "../domain/Money.ts"
import { type Client, liveLayer } from "./Downstream.ts"

export const Published = Schema.Struct({ event_id: Schema.String })

export const EventGroup = HttpApiGroup.make("event").add(
  HttpApiEndpoint.post("publish", "/api/events/publish", {
    payload: Schema.Struct({
      idempotency_key: Schema.String,
      type: Schema.Literal("ORDER_PLACED"),
      order_id: OrderId,
      total: NonNegativeAmount,
      currency: Currency,
      device_fingerprint: Schema.optionalKey(Schema.String),
      order_initiated_from: Schema.optionalKey(Schema.String)
    }),
    success: Published
  })
)

export const EventApi = HttpApi.make("event").add(EventGroup)

export class EventService extends Context.Service<EventService, Client<typeof EventGroup>>()("orchestra/EventService") {
  static readonly layer = liveLayer(EventService, EventApi, "event")
}
