import { Effect, Exit } from "effect"
import { type CustomerId, PaymentId, type WalletId } from "@orchestra/core/domain/Ids"
import { format, type Minor, minor } from "@orchestra/core/domain/Money"
import { gatewaysByMode } from "@orchestra/core/domain/Payment"
import type { Operations } from "@orchestra/core/services/Downstream"
import type { ResourceConflict, ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import type { PaymentGroup, PaymentRecord } from "@orchestra/core/services/Payment"
import type { Catalog } from "../catalog/Catalog.ts"
import { atomically, conflict, firstSuccessByKey, notFound, sequence } from "./Simulation.ts"

/** A payment as the simulator keeps it: the record the contract returns plus what invariants need. */
export interface PaymentEntry {
  readonly payment: PaymentRecord
  readonly customer_id?: CustomerId
  readonly wallet_id?: WalletId
  /** Whether this payment's wallet debit was given back (at most once). */
  readonly credited: boolean
  readonly created_at: number
  readonly updated_at: number
}

export type GatewayOutcome = "SUCCESS" | "FAILED"

export interface PaymentSimulator {
  readonly operations: Operations<typeof PaymentGroup>
  /**
   * Plays the payment gateway: the customer paid (or gave up) on the redirect page. Settling again
   * with the same outcome returns the payment unchanged, as gateways redeliver; any other change
   * to a payment that is no longer PENDING is refused with `ALREADY_SETTLED`.
   */
  readonly settleGateway: (
    gatewayOrderId: string,
    status: GatewayOutcome
  ) => Effect.Effect<PaymentRecord, ResourceNotFound | ResourceConflict>
  /** Undefined for a wallet the catalog does not know. */
  readonly walletBalance: (walletId: string) => Minor | undefined
  readonly payments: () => ReadonlyArray<PaymentEntry>
  readonly paymentByGatewayOrderId: (gatewayOrderId: string) => PaymentRecord | undefined
  /** How many times the wallet was debited / credited back. */
  readonly debitsOf: (walletId: string) => number
  readonly refundsOf: (walletId: string) => number
}

interface WalletState {
  readonly walletId: WalletId
  readonly customerId: CustomerId
  readonly otp: string
  balance: number
  debits: number
  refunds: number
}

interface PaymentState {
  payment: PaymentRecord
  readonly customerId: CustomerId | undefined
  readonly walletId: WalletId | undefined
  credited: boolean
  readonly createdAt: number
  updatedAt: number
}

const entryOf = (state: PaymentState): PaymentEntry => ({
  payment: state.payment,
  ...(state.customerId === undefined ? {} : { customer_id: state.customerId }),
  ...(state.walletId === undefined ? {} : { wallet_id: state.walletId }),
  credited: state.credited,
  created_at: state.createdAt,
  updated_at: state.updatedAt
})

export const makePaymentSimulator = (catalog: Catalog): Effect.Effect<PaymentSimulator> =>
  Effect.sync(() => {
    const wallets = new Map<string, WalletState>(
      catalog.customers.map((c) => [
        c.wallet.wallet_id,
        {
          walletId: c.wallet.wallet_id,
          customerId: c.customer_id,
          otp: c.wallet.otp,
          balance: c.wallet.balance,
          debits: 0,
          refunds: 0
        }
      ])
    )
    const methods = new Map(catalog.payment_methods.map((m) => [m.payment_method_id, m]))
    const payments = new Map<string, PaymentState>()
    const byGatewayOrderId = new Map<string, PaymentState>()
    const nextPaymentId = sequence("pay")
    const nextGatewayOrder = sequence("ord")
    const initiateOnce = firstSuccessByKey<PaymentState, ResourceConflict>()
    const refundOnce = firstSuccessByKey<PaymentState, ResourceNotFound>()

    const update = (state: PaymentState, now: number, status: PaymentRecord["status"]): PaymentState => {
      state.payment = { ...state.payment, status }
      state.updatedAt = now
      return state
    }

    const operations: Operations<typeof PaymentGroup> = {
      paymentMethod: ({ params }) =>
        Effect.suspend(() => {
          const method = methods.get(params.id)
          return method === undefined ? notFound(`payment method ${params.id} not found`) : Effect.succeed(method)
        }),

      initiate: ({ payload }) =>
        atomically((now) =>
          initiateOnce(payload.idempotency_key, (): Exit.Exit<PaymentState, ResourceConflict> => {
            if (payload.currency !== catalog.currency) {
              return conflict("CURRENCY_MISMATCH", `payments are taken in ${catalog.currency}, not ${payload.currency}`)
            }
            const allowed = gatewaysByMode[payload.payment_mode]
            if (!allowed.includes(payload.gateway)) {
              return conflict(
                "GATEWAY_MODE_MISMATCH",
                `payment_mode ${payload.payment_mode} goes through ${allowed.join(" or ")}, not ${payload.gateway}`
              )
            }
            const base = {
              payment_id: PaymentId.make(nextPaymentId()),
              order_id: payload.order_id,
              payment_mode: payload.payment_mode,
              gateway: payload.gateway,
              amount: payload.amount,
              currency: payload.currency
            }
            const record = (payment: PaymentRecord, walletId?: WalletId): Exit.Exit<PaymentState> => {
              const state: PaymentState = {
                payment,
                customerId: payload.customer_id,
                walletId,
                credited: false,
                createdAt: now,
                updatedAt: now
              }
              payments.set(payment.payment_id, state)
              if (payment.gateway_order_id !== undefined) byGatewayOrderId.set(payment.gateway_order_id, state)
              return Exit.succeed(state)
            }
            switch (payload.payment_mode) {
              case "LOYALTY":
                return conflict("UNSUPPORTED_MODE", "loyalty points are redeemed through the loyalty service")
              case "MANUAL":
                // Cash on delivery: accepted now, collected by the courier; nothing moves here.
                return record({ ...base, status: "SUCCESS" })
              case "GATEWAY": {
                if (!catalog.payment_gateways.includes(payload.gateway)) {
                  return conflict("GATEWAY_UNAVAILABLE", `gateway ${payload.gateway} is not enabled`)
                }
                const host = payload.gateway.toLowerCase()
                const gatewayOrderId = `${host}_${nextGatewayOrder()}`
                return record({
                  ...base,
                  status: "PENDING",
                  gateway_order_id: gatewayOrderId,
                  redirect_url: `https://sandbox.${host}.example/pay/${gatewayOrderId}`
                })
              }
              case "WALLET": {
                const walletId = payload.meta?.wallet_id
                const wallet = walletId === undefined ? undefined : wallets.get(walletId)
                if (wallet === undefined || payload.customer_id === undefined || wallet.customerId !== payload.customer_id) {
                  return conflict("WALLET_NOT_FOUND", `no wallet ${walletId ?? "(none)"} for this customer`)
                }
                if (payload.meta?.otp !== wallet.otp) return conflict("INVALID_OTP", "the wallet OTP does not match")
                if (wallet.balance < payload.amount) {
                  return conflict(
                    "INSUFFICIENT_BALANCE",
                    `wallet balance ${format(wallet.balance)} is below ${format(payload.amount)}`
                  )
                }
                wallet.balance -= payload.amount
                wallet.debits += 1
                return record({ ...base, status: "SUCCESS" }, wallet.walletId)
              }
            }
          }).pipe(Exit.map((state) => state.payment))
        ),

      status: ({ params }) =>
        Effect.suspend(() => {
          const state = payments.get(params.payment_id)
          return state === undefined ? notFound(`payment ${params.payment_id} not found`) : Effect.succeed(state.payment)
        }),

      refund: ({ params, payload }) =>
        atomically((now) =>
          refundOnce(payload.idempotency_key, (): Exit.Exit<PaymentState, ResourceNotFound> => {
            const state = payments.get(params.payment_id)
            if (state === undefined) return notFound(`payment ${params.payment_id} not found`)
            // Nothing was taken from a failed payment, and a refunded one was already given back.
            if (state.payment.status === "FAILED" || state.payment.status === "REFUNDED") return Exit.succeed(state)
            const wallet = state.walletId === undefined ? undefined : wallets.get(state.walletId)
            if (wallet !== undefined && !state.credited) {
              wallet.balance += state.payment.amount
              wallet.refunds += 1
              state.credited = true
            }
            // A gateway payment is voided or reversed at the gateway, a COD order is simply not
            // collected: either way no wallet moves.
            return Exit.succeed(update(state, now, "REFUNDED"))
          }).pipe(Exit.map((state) => state.payment))
        )
    }

    const settleGateway = (gatewayOrderId: string, status: GatewayOutcome) =>
      atomically((now): Exit.Exit<PaymentRecord, ResourceNotFound | ResourceConflict> => {
        const state = byGatewayOrderId.get(gatewayOrderId)
        if (state === undefined) return notFound(`gateway order ${gatewayOrderId} not found`)
        if (state.payment.status === status) return Exit.succeed(state.payment)
        if (state.payment.status !== "PENDING") {
          return conflict("ALREADY_SETTLED", `gateway order ${gatewayOrderId} is already ${state.payment.status}`)
        }
        return Exit.succeed(update(state, now, status).payment)
      })

    return {
      operations,
      settleGateway,
      walletBalance: (walletId) => {
        const wallet = wallets.get(walletId)
        return wallet === undefined ? undefined : minor(wallet.balance)
      },
      payments: () => Array.from(payments.values(), entryOf),
      paymentByGatewayOrderId: (gatewayOrderId) => byGatewayOrderId.get(gatewayOrderId)?.payment,
      debitsOf: (walletId) => wallets.get(walletId)?.debits ?? 0,
      refundsOf: (walletId) => wallets.get(walletId)?.refunds ?? 0
    }
  })
