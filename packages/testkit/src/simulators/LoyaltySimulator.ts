import { Effect, Exit } from "effect"
import type { CustomerId, OrderId } from "@orchestra/core/domain/Ids"
import { type Minor, times } from "@orchestra/core/domain/Money"
import type { Operations } from "@orchestra/core/services/Downstream"
import type { ResourceConflict, ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import type { LoyaltyAccount, LoyaltyGroup, Redemption } from "@orchestra/core/services/Loyalty"
import type { Catalog } from "../catalog/Catalog.ts"
import { atomically, conflict, firstSuccessByKey, notFound, sequence } from "./Simulation.ts"

type Account = typeof LoyaltyAccount.Type
type RedemptionRecord = typeof Redemption.Type

/** A redemption as the simulator keeps it: the contract's record plus whose points and which order. */
export interface RedemptionEntry {
  readonly redemption: RedemptionRecord
  readonly customer_id: CustomerId
  readonly order_id: OrderId
  readonly created_at: number
  readonly updated_at: number
}

export interface LoyaltySimulator {
  readonly operations: Operations<typeof LoyaltyGroup>
  /** Undefined for a customer the catalog does not know. */
  readonly pointsOf: (customerId: string) => number | undefined
  readonly redemptions: () => ReadonlyArray<RedemptionEntry>
}

interface AccountState {
  readonly customerId: CustomerId
  readonly pointValue: Minor
  points: number
}

interface RedemptionState {
  redemption: RedemptionRecord
  readonly account: AccountState
  readonly orderId: OrderId
  readonly createdAt: number
  updatedAt: number
}

const accountOf = (state: AccountState): Account => ({
  customer_id: state.customerId,
  points: state.points,
  point_value: state.pointValue
})

const entryOf = (state: RedemptionState): RedemptionEntry => ({
  redemption: state.redemption,
  customer_id: state.account.customerId,
  order_id: state.orderId,
  created_at: state.createdAt,
  updated_at: state.updatedAt
})

export const makeLoyaltySimulator = (catalog: Catalog): Effect.Effect<LoyaltySimulator> =>
  Effect.sync(() => {
    const accounts = new Map<string, AccountState>(
      catalog.customers.map((c) => [
        c.customer_id,
        { customerId: c.customer_id, pointValue: c.loyalty.point_value, points: c.loyalty.points }
      ])
    )
    const redemptions = new Map<string, RedemptionState>()
    const nextRedemptionId = sequence("red")
    const redeemOnce = firstSuccessByKey<RedemptionState, ResourceNotFound | ResourceConflict>()
    const reverseOnce = firstSuccessByKey<RedemptionState, ResourceNotFound>()
    const rewardOnce = firstSuccessByKey<AccountState, ResourceNotFound>()

    const accountNotFound = (customerId: string) => notFound(`no loyalty account for customer ${customerId}`)

    const operations: Operations<typeof LoyaltyGroup> = {
      account: ({ params }) =>
        Effect.suspend(() => {
          const account = accounts.get(params.customer_id)
          return account === undefined ? accountNotFound(params.customer_id) : Effect.succeed(accountOf(account))
        }),

      redeem: ({ payload }) =>
        atomically((now) =>
          redeemOnce(payload.idempotency_key, (): Exit.Exit<RedemptionState, ResourceNotFound | ResourceConflict> => {
            const account = accounts.get(payload.customer_id)
            if (account === undefined) return accountNotFound(payload.customer_id)
            if (payload.points > account.points) {
              return conflict("INSUFFICIENT_POINTS", `${payload.points} points requested, ${account.points} available`)
            }
            account.points -= payload.points
            const state: RedemptionState = {
              redemption: {
                redemption_id: nextRedemptionId(),
                points: payload.points,
                amount: times(account.pointValue, payload.points),
                reversed: false
              },
              account,
              orderId: payload.order_id,
              createdAt: now,
              updatedAt: now
            }
            redemptions.set(state.redemption.redemption_id, state)
            return Exit.succeed(state)
          }).pipe(Exit.map((state) => state.redemption))
        ),

      reverse: ({ params, payload }) =>
        atomically((now) =>
          reverseOnce(payload.idempotency_key, (): Exit.Exit<RedemptionState, ResourceNotFound> => {
            const state = redemptions.get(params.redemption_id)
            if (state === undefined) return notFound(`redemption ${params.redemption_id} not found`)
            if (state.redemption.reversed) return Exit.succeed(state)
            state.account.points += state.redemption.points
            state.redemption = { ...state.redemption, reversed: true }
            state.updatedAt = now
            return Exit.succeed(state)
          }).pipe(Exit.map((state) => state.redemption))
        ),

      reward: ({ payload }) =>
        Effect.suspend(() =>
          rewardOnce(payload.idempotency_key, (): Exit.Exit<AccountState, ResourceNotFound> => {
            const account = accounts.get(payload.customer_id)
            if (account === undefined) return accountNotFound(payload.customer_id)
            account.points += payload.points
            return Exit.succeed(account)
          }).pipe(Exit.map(accountOf))
        )
    }

    return {
      operations,
      pointsOf: (customerId) => accounts.get(customerId)?.points,
      redemptions: () => Array.from(redemptions.values(), entryOf)
    }
  })
