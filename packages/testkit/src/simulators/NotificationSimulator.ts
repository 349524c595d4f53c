import { Effect, Exit } from "effect"
import type { CustomerId, OrderId, SessionId } from "@orchestra/core/domain/Ids"
import type { Operations } from "@orchestra/core/services/Downstream"
import type { Channel, NotificationGroup, NotificationTemplate } from "@orchestra/core/services/Notification"
import type { Catalog } from "../catalog/Catalog.ts"
import { atomically, firstSuccessByKey, sequence } from "./Simulation.ts"

/** One message on one channel, as the simulator recorded it. */
export interface SentNotification {
  readonly notification_id: string
  readonly channel: typeof Channel.Type
  readonly template: NotificationTemplate
  readonly order_id: OrderId
  readonly customer_id?: CustomerId
  readonly session_id?: SessionId
  readonly idempotency_key: string
  readonly sent_at: number
}

export interface NotificationSimulator {
  readonly operations: Operations<typeof NotificationGroup>
  readonly sent: () => ReadonlyArray<SentNotification>
}

// Notifications need nothing from the catalog; the parameter keeps every simulator's make alike.
export const makeNotificationSimulator = (_catalog: Catalog): Effect.Effect<NotificationSimulator> =>
  Effect.sync(() => {
    const sent: Array<SentNotification> = []
    const nextNotificationId = sequence("ntf")
    const sendOnce = firstSuccessByKey<ReadonlyArray<string>, never>()

    const operations: Operations<typeof NotificationGroup> = {
      send: ({ payload }) =>
        atomically((now) =>
          sendOnce(payload.idempotency_key, () => {
            // A channel listed twice is still one message: customers must not get duplicates.
            const channels = Array.from(new Set(payload.channels))
            const ids = channels.map((channel) => {
              const notification: SentNotification = {
                notification_id: nextNotificationId(),
                channel,
                template: payload.template,
                order_id: payload.order_id,
                ...(payload.customer_id === undefined ? {} : { customer_id: payload.customer_id }),
                ...(payload.session_id === undefined ? {} : { session_id: payload.session_id }),
                idempotency_key: payload.idempotency_key,
                sent_at: now
              }
              sent.push(notification)
              return notification.notification_id
            })
            return Exit.succeed(ids)
          }).pipe(Exit.map((ids) => ({ notification_ids: ids })))
        )
    }

    return { operations, sent: () => [...sent] }
  })
