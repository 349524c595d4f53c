import { Schema } from "effect"

/**
 * Why a store call failed: `Down` — the store cannot be reached at all (no connection); `Slow` —
 * connected, but the call got no answer in time; `Error` — the store answered with an error or
 * something unreadable.
 */
export const StoreFailure = Schema.Literals(["Down", "Slow", "Error"])
export type StoreFailure = typeof StoreFailure.Type

/** Any failure of a backing store (timeout, refused connection, script error, unreadable value). */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  store: Schema.String,
  message: Schema.String,
  reason: Schema.optionalKey(StoreFailure)
}) {
  static readonly fromCause =
    (store: string, reason?: StoreFailure) =>
    (cause: unknown): StoreUnavailable =>
      new StoreUnavailable({
        store,
        message: cause instanceof Error ? cause.message : String(cause),
        ...(reason === undefined ? {} : { reason })
      })
}
