import type { CartBusy } from "@orchestra/core/domain/Errors"
import { cartBusy } from "@orchestra/core/flows/cartBusy"
import { ownerKey } from "@orchestra/core/domain/Owner"
import type { CartScope } from "@orchestra/core/flows/CartFlows"
import type { UnderBothLocks } from "@orchestra/core/flows/mergeGuestCart"
import { CartLock, CurrentCartFence } from "@orchestra/core/stores/CartLock"
import { Context, Effect, Layer, Option, Semaphore } from "effect"

/** How long a mutation waits for the cart before answering 409 CART_BUSY (DESIGN §5). */
export const LOCK_WAIT_MS = 2_000

const busy = () => cartBusy("Another change to this cart is in progress; retry shortly")

/**
 * In-process locks for when the lock store is down: one semaphore per cart, dropped when nobody
 * holds or waits for it, so the map only holds carts being changed right now.
 */
const makeLocalLocks = () => {
  const entries = new Map<string, { readonly semaphore: Semaphore.Semaphore; users: number }>()
  const enter = (scope: string) =>
    Effect.sync(() => {
      const entry = entries.get(scope) ?? { semaphore: Semaphore.makeUnsafe(1), users: 0 }
      entry.users++
      entries.set(scope, entry)
      return entry
    })
  const leave = (scope: string, entry: { users: number }) =>
    Effect.sync(() => {
      entry.users--
      if (entry.users === 0) entries.delete(scope)
    })
  return <A, E, R>(scope: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | CartBusy, R> =>
    Effect.acquireUseRelease(
      enter(scope),
      (entry) =>
        Effect.scoped(
          Effect.gen(function* () {
            const acquired = yield* Effect.timeoutOption(entry.semaphore.takeScoped(1), LOCK_WAIT_MS)
            if (Option.isNone(acquired)) return yield* busy()
            return yield* effect
          })
        ),
      (entry) => leave(scope, entry)
    )
}

/**
 * Serialises the mutations of one cart (DESIGN §5) with the shared lease lock: the mutation runs
 * holding it (its lease renewed, its fencing token on every cart-service write) and waits for it
 * at most `LOCK_WAIT_MS`, through a held lock or a slow Redis alike, before answering CART_BUSY.
 * Only while the lock store cannot be reached at all does a mutation fall back to an in-process
 * lock, which serialises this process only: with one instance that is all there is, with several
 * two of them could then change one cart at once (README, docs/decisions.md).
 */
export class CartMutex extends Context.Service<
  CartMutex,
  {
    readonly withCartLock: <A, E, R>(cart: CartScope, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CartBusy, R>
    /** Both carts' locks for a guest cart merge (issue 15), taken in the order of their scopes, whoever asks. */
    readonly underBothLocks: UnderBothLocks
  }
>()("orchestra/http/CartMutex") {
  static readonly layer = Layer.effect(
    CartMutex,
    Effect.gen(function* () {
      const lock = yield* CartLock
      const withLocalLock = makeLocalLocks()
      const withCartLock = <A, E, R>(cart: CartScope, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | CartBusy, R> => {
          const scope = ownerKey(cart.owner, cart.cartType)
          // Only the acquisition may fall back: the mutation itself must run at most once.
          const acquire = lock.acquire(scope, { waitMs: LOCK_WAIT_MS }).pipe(
            Effect.map(Option.some),
            Effect.catchTags({
              LockTimeout: (timeout) =>
                timeout.storeError === undefined
                  ? busy()
                  : cartBusy("The cart's lock could not be taken in time (the lock store is slow); retry shortly"),
              StoreUnavailable: (error) =>
                Effect.as(
                  Effect.logWarning("lock degraded: the lock store is unreachable, using an in-process lock (single instance only)", {
                    scope,
                    error: error.message
                  }),
                  Option.none()
                )
            })
          )
          return Effect.acquireUseRelease(
            acquire,
            // Under the in-process lock there is no fencing token, not even an outer lock's (a merge nests two).
            (lease) =>
              Option.isSome(lease)
                ? lock.holding(lease.value, effect)
                : withLocalLock(scope, Effect.provideService(effect, CurrentCartFence, undefined)),
            (lease) =>
              Option.match(lease, {
                onNone: () => Effect.void,
                onSome: (held) =>
                  lock.release(held).pipe(
                    Effect.catch((error) => Effect.logWarning("lock release failed", { scope, error: error.message }))
                  )
              })
          )
        }
      /** Each lock's fencing token as its holder sees it: a nested lock provides its own. */
      const fenceUnder = <A, E, R>(cart: CartScope, body: (fence: number | undefined) => Effect.Effect<A, E, R>) =>
        withCartLock(cart, Effect.flatMap(CurrentCartFence.useSync((fence) => fence), body))
      const underBothLocks: UnderBothLocks = (carts, body) => {
        // A fixed order (by scope) for every request: two merges, or a merge and a mutation, never wait in a cycle.
        const customerFirst = ownerKey(carts.customer.owner, carts.customer.cartType) < ownerKey(carts.guest.owner, carts.guest.cartType)
        return customerFirst
          ? fenceUnder(carts.customer, (customer) => fenceUnder(carts.guest, (guest) => body({ customer, guest })))
          : fenceUnder(carts.guest, (guest) => fenceUnder(carts.customer, (customer) => body({ customer, guest })))
      }
      return CartMutex.of({ withCartLock, underBothLocks })
    })
  )
}
