import { Effect, Option } from "effect"
import { CartBusy } from "../domain/Errors.ts"
import { RequestContext } from "../runtime/RequestContext.ts"

/**
 * Seconds a client should wait before sending a CART_BUSY request again: a cart is held by one
 * request at a time (or its lock store is briefly slow), so a second is enough to find it free,
 * and a client that waits it out spares the server a burst of retries.
 */
export const CART_BUSY_RETRY_AFTER_S = 1

/** Fails with CART_BUSY and has the answer carry `Retry-After` (when there is a request to answer). */
export const cartBusy = (message: string): Effect.Effect<never, CartBusy> =>
  Effect.flatMap(Effect.serviceOption(RequestContext), (context) => {
    if (Option.isSome(context)) context.value.responseHeaders["retry-after"] = String(CART_BUSY_RETRY_AFTER_S)
    return Effect.fail(new CartBusy({ message }))
  })
