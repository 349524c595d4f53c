import { type AttemptLimit, AbuseLimits, ownerSubject } from "@orchestra/core/limits/AbuseLimits"
import { Effect, Layer } from "effect"
import type { HttpServerResponse } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { Error429 } from "../api/ErrorBody.ts"
import { fromApiError } from "../errors/ErrorAnswer.ts"
import { CurrentOwner } from "./CurrentOwner.ts"

/**
 * Counts the request against one of the owner's attempt limits before anything else of it runs
 * (its body is not even read): beyond the limit, 429 RATE_LIMITED and nothing is applied. Sits
 * inside Identity (the limit is the owner's) and outside idempotency, so a refusal is never
 * kept as a key's answer. Place-order's attempts are counted by the checkout itself, which knows
 * whether a key starts a new checkout or asks for the answer of one.
 */
const limitAttempts = (limit: AttemptLimit) =>
  Effect.gen(function* () {
    const limits = yield* AbuseLimits
    return <E>(httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E>) =>
      Effect.gen(function* () {
        const owner = yield* CurrentOwner
        yield* limits.attempt(limit, ownerSubject(owner)).pipe(Effect.catch((refused) => Effect.flatMap(fromApiError(refused), Effect.fail)))
        return yield* httpEffect
      })
  })

/** Cart mutations per owner: a steady rate and a burst (DESIGN §3). */
export class MutationLimit extends HttpApiMiddleware.Service<MutationLimit, { requires: CurrentOwner }>()("orchestra/http/MutationLimit", {
  error: Error429
}) {
  static readonly layer = Layer.effect(MutationLimit, Effect.map(limitAttempts("mutations"), (middleware) => MutationLimit.of(middleware)))
}
