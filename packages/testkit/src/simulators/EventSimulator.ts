import { Effect, Exit } from "effect"
import type { OrderId } from "@orchestra/core/domain/Ids"
import type { Currency, Minor } from "@orchestra/core/domain/Money"
import type { Operations } from "@orchestra/core/services/Downstream"
import type { EventGroup } from "@orchestra/core/services/Event"
import type { Catalog } from "../catalog/Catalog.ts"
import { atomically, firstSuccessByKey, sequence } from "./Simulation.ts"

/** An event as the simulator recorded it: the published payload, its id and when it arrived. */
export interface PublishedEvent {
  readonly event_id: string
  readonly type: "ORDER_PLACED"
  readonly order_id: OrderId
  readonly total: Minor
  readonly currency: Currency
  readonly device_fingerprint?: string
  readonly order_initiated_from?: string
  readonly idempotency_key: string
  readonly published_at: number
}

export interface EventSimulator {
  readonly operations: Operations<typeof EventGroup>
  readonly published: () => ReadonlyArray<PublishedEvent>
}

// Events need nothing from the catalog; the parameter keeps every simulator's make alike.
export const makeEventSimulator = (_catalog: Catalog): Effect.Effect<EventSimulator> =>
  Effect.sync(() => {
    const published: Array<PublishedEvent> = []
    const nextEventId = sequence("evt")
    const publishOnce = firstSuccessByKey<PublishedEvent, never>()

    const operations: Operations<typeof EventGroup> = {
      publish: ({ payload }) =>
        atomically((now) =>
          publishOnce(payload.idempotency_key, () => {
            const event: PublishedEvent = {
              event_id: nextEventId(),
              type: payload.type,
              order_id: payload.order_id,
              total: payload.total,
              currency: payload.currency,
              ...(payload.device_fingerprint === undefined ? {} : { device_fingerprint: payload.device_fingerprint }),
              ...(payload.order_initiated_from === undefined ? {} : { order_initiated_from: payload.order_initiated_from }),
              idempotency_key: payload.idempotency_key,
              published_at: now
            }
            published.push(event)
            return Exit.succeed(event)
          }).pipe(Exit.map((event) => ({ event_id: event.event_id })))
        )
    }

    return { operations, published: () => [...published] }
  })
