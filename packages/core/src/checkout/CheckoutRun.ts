import { Effect } from "effect"
import { DownstreamError } from "../domain/Errors.ts"
import type { ApiError } from "../domain/Errors.ts"
import type { Owner } from "../domain/Owner.ts"
import type { CheckoutRegistryShape, CheckoutUpdate } from "../stores/CheckoutRegistry.ts"
import type { CheckoutSteps } from "./checkoutSteps.ts"
import type { CheckoutPayload } from "./CheckoutWorkflow.ts"
import type { Compensations, Durable, Refusal, SagaRun, StepOutcome } from "./sagaSteps.ts"

/** One execution of the checkout saga: its request, its steps, and the undos of what it has done so far. */
export interface CheckoutRun extends SagaRun {
  readonly payload: CheckoutPayload
  readonly owner: Owner
  readonly steps: CheckoutSteps
  readonly registry: CheckoutRegistryShape
  readonly compensations: Compensations
  /** The idempotency key of one downstream write of this checkout (domain, owner, client key, step). */
  readonly keyFor: (step: string) => string
  /** How long an unpaid gateway payment is waited for. */
  readonly paymentWindowMs: number
  /**
   * Writes the registry's view of this checkout, as an activity named `registry.<name>`; a
   * terminal state also lets go of the cart.
   */
  readonly record: (name: string, update: CheckoutUpdate) => Durable<void>
  /** Counts a wallet OTP that did not match against the wallet's limit (DESIGN §3), once (an activity `name`). */
  readonly otpFailed: (name: string, walletId: string) => Durable<void>
}

/** A declared refusal the step has no meaning for: the service broke its contract. */
export const unexpected =
  (service: string) =>
  (refusal: Refusal): ApiError =>
    new DownstreamError({ service, message: `Unexpected refusal: ${refusal.message}` })

/**
 * The value of a step that must have succeeded for the saga to go on; a refusal becomes the
 * public error the step means, no answer becomes the step's failure (503, 504, …).
 */
export const need = <A>(outcome: Durable<StepOutcome<A>>, refused: (refusal: Refusal) => ApiError) =>
  Effect.flatMap(outcome, (o) => {
    switch (o._tag) {
      case "Done":
        return Effect.succeed(o.value)
      case "Refused":
        return Effect.fail(refused(o.error))
      case "Failed":
        return Effect.fail(o.error)
    }
  })
