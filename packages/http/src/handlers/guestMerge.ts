import type { CartFlows } from "@orchestra/core/flows/CartFlows"
import type { MergedFromGuest } from "@orchestra/core/flows/mergedFromGuest"
import { Effect, Option } from "effect"
import type { CartMutex } from "../concurrency/CartMutex.ts"
import { CurrentOwner, SignedInGuest } from "../middleware/CurrentOwner.ts"

/** The answer with what the merge on sign-in did, when this request merged. */
const withMerged = <A extends object>(answer: A, merged: Option.Option<MergedFromGuest>): A | (A & { readonly merged_from_guest: MergedFromGuest }) =>
  Option.match(merged, { onNone: () => answer, onSome: (mergedFromGuest) => ({ ...answer, merged_from_guest: mergedFromGuest }) })

/**
 * Issue 15: a signed-in customer's request that also carries a guest session first merges the
 * guest's cart (DESIGN §3), then runs its own flow, whose answer then carries `merged_from_guest`.
 * The merge runs outside the flow's own lock: it takes both carts' locks itself, in a fixed order.
 */
export const guestMerging = (flows: CartFlows["Service"], mutex: CartMutex["Service"]) => {
  const mergeGuest = Effect.gen(function* () {
    const guest = yield* SignedInGuest
    if (guest === undefined) return Option.none<MergedFromGuest>()
    const customer = yield* CurrentOwner
    return yield* flows.mergeGuestCart({ customer, guest, underBothLocks: mutex.underBothLocks })
  })
  return <A extends object, E, R>(flow: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const merged = yield* mergeGuest
      return withMerged(yield* flow, merged)
    })
}
