import type { Owner } from "@orchestra/core/domain/Owner"
import { Context } from "effect"

/** Whose cart a request acts on, as the gateway vouched for it. Provided by the Identity middleware. */
export class CurrentOwner extends Context.Service<CurrentOwner, Owner>()("orchestra/http/CurrentOwner") {}
