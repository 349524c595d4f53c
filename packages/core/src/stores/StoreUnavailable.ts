import { Schema } from "effect"

/** Any failure of a backing store (timeout, refused connection, script error, unreadable value). */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  store: Schema.String,
  message: Schema.String
}) {
  static readonly fromCause =
    (store: string) =>
    (cause: unknown): StoreUnavailable =>
      new StoreUnavailable({ store, message: cause instanceof Error ? cause.message : String(cause) })
}
