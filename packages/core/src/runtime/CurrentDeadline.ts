import { Context } from "effect"

/**
 * When the caller stops waiting for the downstream call being made, in epoch milliseconds: the
 * step runner sets it around each call (the sooner of the call's timeout and the request's
 * deadline) so the HTTP client can send it as `x-request-deadline`, and a service can drop work
 * nobody awaits. Unset outside a step.
 */
export const CurrentDeadline = Context.Reference<number | undefined>("orchestra/CurrentDeadline", {
  defaultValue: () => undefined
})
