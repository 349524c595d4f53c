import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { CustomerId, OrderId, SessionId } from "../domain/Ids.ts"
import { type Client, liveLayer } from "./Downstream.ts"

export const Channel = Schema.Literals(["EMAIL", "SMS", "PUSH"])

/** ORDER_CANCELLED: a checkout undone after its answer (payment window over, payment failed, stock gone). */
export const NotificationTemplate = Schema.Literals(["ORDER_CONFIRMATION", "ORDER_CANCELLED"])
export type NotificationTemplate = typeof NotificationTemplate.Type
export const NotificationsSent = Schema.Struct({ notification_ids: Schema.Array(Schema.String) })

export const NotificationGroup = HttpApiGroup.make("notification").add(
  HttpApiEndpoint.post("send", "/api/notifications/send", {
    payload: Schema.Struct({
      idempotency_key: Schema.String,
      channels: Schema.Array(Channel),
      template: NotificationTemplate,
      order_id: OrderId,
      customer_id: Schema.optionalKey(CustomerId),
      session_id: Schema.optionalKey(SessionId)
    }),
    success: NotificationsSent
  })
)

export const NotificationApi = HttpApi.make("notification").add(NotificationGroup)

export class NotificationService extends Context.Service<NotificationService, Client<typeof NotificationGroup>>()(
  "orchestra/NotificationService"
) {
  static readonly layer = liveLayer(NotificationService, NotificationApi, "notification")
}
