import { Effect } from "effect"

export const REQUEST_ID_HEADER = "x-request-id"

// What we accept from the caller: short, printable, safe to log and to send downstream as is.
const saneRequestId = /^[A-Za-z0-9._:@/+=-]{1,128}$/

/** The caller's `x-request-id` when it is a sane id, else a fresh UUID; for code outside effects. */
export const requestIdFromUnsafe = (header: string | undefined): string =>
  header !== undefined && saneRequestId.test(header) ? header : crypto.randomUUID()

/** The caller's `x-request-id` when it is a sane id, else a fresh UUID. */
export const requestIdFrom = (header: string | undefined): Effect.Effect<string> => Effect.sync(() => requestIdFromUnsafe(header))
