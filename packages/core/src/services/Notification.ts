import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { CustomerId, OrderId, SessionId } from "../domain/Ids.ts"
import { type Client, liveLayer } from "./Downstream.ts"

export const Channel = Schema.Literals(["EMAIL", "SMS", "PUSH"])

export const NotificationGroup = HttpApiGroup.make("notification").add(
  HttpApiEndpoint.post("send", "/api/notifications/send", {
    payload: Schema.Struct({
      idempotency_key: Schema.String,
      channels: Schema.Array(Channel),
      template: Schema.Literal("ORDER_CONFIRMATION"),
      order_id: OrderId,
      customer_id: Schema.optionalKey(CustomerId),
      session_id: Schema.optionalKey(SessionId)
    }),
    success: Schema.Struct({ notification_ids: Schema.Array(Schema.String) })
  })
)

export const NotificationApi = HttpApi.make("notification").add(NotificationGroup)

export class NotificationService extends Context.Service<NotificationService, Client<typeof NotificationGroup>>()(
  "orchestra/NotificationService"
) {
  static readonly layer = liveLayer(NotificationService, NotificationApi, "notification")
}
