import type { Owner } from "@orchestra/core/domain/Owner"
import { Context } from "effect"

/** Whose cart a request acts on, as the gateway vouched for it. Provided by the Identity middleware. */
export class CurrentOwner extends Context.Service<CurrentOwner, Owner>()("orchestra/http/CurrentOwner") {}

/**
 * The guest session a signed-in customer's request also carries (both `x-customer-id` and
 * `x-session-id`): the cart of that session is merged into the customer's (issue 15). None on a
 * guest's request or a customer's without a session. Provided by the Identity middleware.
 */
export const SignedInGuest = Context.Reference<Owner | undefined>("orchestra/http/SignedInGuest", { defaultValue: () => undefined })
