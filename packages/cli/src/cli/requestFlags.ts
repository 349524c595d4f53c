import { Flag } from "effect/cli"
import { Option } from "effect"
import type { RequestFlags } from "../flows/PublicRequest.ts"

/** The flags that shape the public request: simulate and record both take them. */
export const requestFlags = {
  body: Flag.String("body").pipe(
    Flag.withDescription("The request body as JSON, or @file.json to read it from a file (overrides the fixture's)"),
    Flag.optional
  ),
  query: Flag.KeyValuePair("query").pipe(
    Flag.withDescription("A query parameter of the public request, key=value; repeatable (cart_type=BUY_NOW)"),
    Flag.optional
  ),
  domain: Flag.String("domain").pipe(Flag.withDescription("The tenant (x-domain-id); default the fixture's, or dom_demo"), Flag.optional),
  customer: Flag.String("customer").pipe(Flag.withDescription("Run as this signed-in customer (x-customer-id)"), Flag.optional),
  session: Flag.String("session").pipe(Flag.withDescription("Run as this guest session (x-session-id)"), Flag.optional),
  idempotencyKey: Flag.String("idempotency-key").pipe(
    Flag.withDescription("The Idempotency-Key header (place-order needs one)"),
    Flag.optional
  )
}

export const toRequestFlags = (flags: {
  readonly body: Option.Option<string>
  readonly query: Option.Option<Record<string, string>>
  readonly domain: Option.Option<string>
  readonly customer: Option.Option<string>
  readonly session: Option.Option<string>
  readonly idempotencyKey: Option.Option<string>
}): RequestFlags => ({ ...flags, query: Option.getOrElse(flags.query, () => ({})) })
