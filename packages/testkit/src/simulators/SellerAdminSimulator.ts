import { Effect } from "effect"
import type { Operations } from "@orchestra/core/services/Downstream"
import { ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import type { SellerAdminGroup, StoreStatus } from "@orchestra/core/services/SellerAdmin"
import type { Catalog } from "../catalog/Catalog.ts"

export interface SellerAdminSimulator {
  readonly operations: Operations<typeof SellerAdminGroup>
  readonly storeOf: (storeId: string) => StoreStatus | undefined
  /** The incident "a store went offline" (or came back). */
  readonly setStoreOnline: (storeId: string, online: boolean) => void
}

const notFound = (what: string) => Effect.fail(new ResourceNotFound({ message: `${what} not found` }))

/** Looks `id` up and answers 404 for a miss; inactive entries are returned as they are. */
const lookup = <A>(entries: ReadonlyMap<string, A>, id: string, what: string): Effect.Effect<A, ResourceNotFound> =>
  Effect.suspend(() => {
    const entry = entries.get(id)
    return entry === undefined ? notFound(`${what} ${id}`) : Effect.succeed(entry)
  })

export const makeSellerAdminSimulator = (catalog: Catalog): Effect.Effect<SellerAdminSimulator> =>
  Effect.sync(() => {
    type Store = Catalog["stores"][number]
    const stores = new Map<string, Store>(catalog.stores.map((s) => [s.store_id, s]))
    const online = new Map<string, boolean>(catalog.stores.map((s) => [s.store_id, s.online]))
    const deliveryOptions = new Map<string, Catalog["delivery_options"][number]>(
      catalog.delivery_options.map((d) => [d.delivery_option_id, d])
    )
    const pickupPoints = new Map<string, Catalog["pickup_points"][number]>(catalog.pickup_points.map((p) => [p.pickup_point_id, p]))
    const giftWraps = new Map<string, Catalog["gift_wraps"][number]>(catalog.gift_wraps.map((g) => [g.id, g]))

    const statusOf = (store: Store): StoreStatus => ({
      store_id: store.store_id,
      name: store.name,
      active: store.active,
      online: online.get(store.store_id) ?? store.online
    })

    /** A store of another tenant does not exist for this one. */
    const storeIn = (domainId: string, storeId: string) =>
      Effect.suspend(() => {
        const store = domainId === catalog.domain_id ? stores.get(storeId) : undefined
        return store === undefined ? notFound(`store ${storeId} in domain ${domainId}`) : Effect.succeed(store)
      })

    return {
      operations: {
        storeStatus: ({ params }) => Effect.map(storeIn(params.domain_id, params.store_id), statusOf),
        taxSettings: ({ params }) =>
          Effect.map(storeIn(params.domain_id, params.store_id), (store) => ({ store_id: store.store_id, ...store.tax_settings })),
        deliveryOption: ({ params }) => lookup(deliveryOptions, params.id, "delivery option"),
        pickupPoint: ({ params }) => lookup(pickupPoints, params.id, "pickup point"),
        giftWrapOption: ({ params }) => lookup(giftWraps, params.id, "gift wrap option")
      },
      storeOf: (storeId) => {
        const store = stores.get(storeId)
        return store === undefined ? undefined : statusOf(store)
      },
      setStoreOnline: (storeId, isOnline) => {
        if (!stores.has(storeId)) throw new Error(`SellerAdminSimulator: unknown store ${storeId}`)
        online.set(storeId, isOnline)
      }
    }
  })
