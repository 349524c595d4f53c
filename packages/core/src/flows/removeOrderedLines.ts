import { Effect, Option } from "effect"
import type { Cart } from "../domain/Cart.ts"
import type { CartId, ItemId } from "../domain/Ids.ts"
import { downstreamKey } from "../domain/IdempotencyKey.ts"
import { type CartType, type Owner, ownerKey } from "../domain/Owner.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { runStep, type StepFailure } from "../runtime/StepRunner.ts"
import { CartService, type OrderedLine } from "../services/Cart.ts"
import type { ResourceConflict } from "../services/DownstreamErrors.ts"
import { CartCache } from "../stores/CartCache.ts"
import { CartLock, CurrentCartFence, type LockTimeout } from "../stores/CartLock.ts"
import type { StoreUnavailable } from "../stores/StoreUnavailable.ts"

export interface OrderedLinesRemoval {
  /** Item ids whose whole line went. */
  readonly removed: ReadonlyArray<ItemId>
  /** Item ids that kept the quantity added while the order was being paid for. */
  readonly reduced: ReadonlyArray<ItemId>
  /** The cart as it is left; none when it was emptied and deleted (or was already gone). */
  readonly cart: Option.Option<Cart>
}

/** The step name the trace shows, and the step its idempotency key is derived for. */
export const REMOVE_ORDERED_LINES_STEP = "cart.removeLines"

/**
 * Phase 2's step 10 (DESIGN §6, issue 14): takes the lines of a placed order out of its cart —
 * by item id and the quantity ordered — under the cart's lock, instead of deleting the cart. A
 * line added while the customer paid stays; a line whose quantity grew keeps the difference; a
 * cart left without lines is deleted, as step 10 used to delete it. The cache then serves
 * nothing older (a tombstone at the cart's new version, or the deleted cart's), and a deleted
 * cart is forgotten by its owner's index (step 11).
 *
 * The write carries the lock's fencing token and a key derived from (owner, `clientKey`, this
 * step), so a run repeated after any failure removes the lines once. A cart already gone is what
 * the step wants: it succeeds with nothing removed. The lock is waited for up to 2 s; failures —
 * the lock not free (LockTimeout) or its store unreachable (StoreUnavailable), the cart service
 * failing (StepFailure), a successor's fencing token (ResourceConflict STALE_FENCE) — are all
 * worth retrying later with the same arguments. A cache that could not be told is reported to
 * it (`writeMissed`), never a failure: the order is placed either way.
 */
export const removeOrderedLines = (input: {
  readonly owner: Owner
  readonly cartType: CartType
  readonly cartId: CartId
  readonly lines: ReadonlyArray<OrderedLine>
  /** The client's `Idempotency-Key` of the checkout. */
  readonly clientKey: string
}): Effect.Effect<
  OrderedLinesRemoval,
  LockTimeout | StoreUnavailable | StepFailure | ResourceConflict,
  CartLock | CartService | CartCache | RequestContext
> =>
  Effect.gen(function* () {
    const lock = yield* CartLock
    const carts = yield* CartService
    const cache = yield* CartCache
    const idempotency_key = downstreamKey(input.owner, input.clientKey, REMOVE_ORDERED_LINES_STEP)
    const removal = Effect.gen(function* () {
      const fence = yield* CurrentCartFence.useSync((token) => token)
      return yield* runStep(
        { name: REMOVE_ORDERED_LINES_STEP, kind: "write", idempotent: true },
        carts.removeLines({
          params: { cart_id: input.cartId },
          payload: { lines: input.lines, idempotency_key, ...(fence === undefined ? {} : { fence }) }
        })
      ).pipe(
        Effect.catchTag("ResourceNotFound", () =>
          Effect.succeed<{ readonly removed: ReadonlyArray<ItemId>; readonly reduced: ReadonlyArray<ItemId>; readonly cart?: Cart }>({
            removed: [],
            reduced: []
          })
        )
      )
    })
    const result = yield* lock.withLock(ownerKey(input.owner, input.cartType), removal)
    const cart = Option.fromUndefinedOr(result.cart)
    const told = Option.match(cart, {
      onSome: (left) => cache.invalidate(left.cart_id, left.version),
      onNone: () => Effect.andThen(cache.remove(input.cartId), cache.forgetOwner(ownerKey(input.owner, input.cartType)))
    })
    yield* told.pipe(Effect.catch(() => cache.writeMissed))
    return { removed: result.removed, reduced: result.reduced, cart }
  })
