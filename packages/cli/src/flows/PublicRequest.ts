import { Effect, FileSystem, Option, Schema } from "effect"
import { CartType, fromOwnerRef, OwnerRef } from "@orchestra/core/domain/Owner"
import type { FixtureRequest } from "@orchestra/testkit/replay/Fixture"
import type { FlowCall, FlowSpec } from "./FlowCatalog.ts"

/** The public-request flags several commands share; each overrides what the fixture recorded. */
export interface RequestFlags {
  readonly body: Option.Option<string>
  readonly query: Readonly<Record<string, string>>
  readonly domain: Option.Option<string>
  readonly customer: Option.Option<string>
  readonly session: Option.Option<string>
  readonly idempotencyKey: Option.Option<string>
}

export const DEFAULT_DOMAIN = "dom_demo"

/** `--body '{"operations":[…]}'` or `--body @request.json`, parsed as JSON. */
export const readBody = (text: string): Effect.Effect<unknown, string, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const source = text.startsWith("@")
      ? yield* FileSystem.FileSystem.use((fs) => fs.readFileString(text.slice(1))).pipe(
          Effect.mapError((error) => `--body ${text}: ${error.message}`)
        )
      : text
    return yield* Effect.try({
      try: () => JSON.parse(source),
      catch: (error) => `--body is not JSON: ${error instanceof Error ? error.message : String(error)}`
    })
  })

/**
 * The public request a command runs: the fixture's (when there is one) with every flag given
 * laid over it. A customer or session flag replaces the recorded identity.
 */
export const requestFrom = (
  base: FixtureRequest | undefined,
  flags: RequestFlags
): Effect.Effect<FixtureRequest, string, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    if (Option.isSome(flags.customer) && Option.isSome(flags.session)) {
      return yield* Effect.fail("give --customer or --session, not both")
    }
    const body = Option.isSome(flags.body) ? yield* readBody(flags.body.value) : base?.body
    const domain = Option.getOrElse(flags.domain, () => base?.identity.domain_id ?? DEFAULT_DOMAIN)
    const identity = Option.isSome(flags.customer)
      ? { domain_id: domain, customer_id: flags.customer.value }
      : Option.isSome(flags.session)
        ? { domain_id: domain, session_id: flags.session.value }
        : { ...(base?.identity ?? {}), domain_id: domain }
    const idempotencyKey = Option.isSome(flags.idempotencyKey) ? flags.idempotencyKey.value : base?.idempotency_key
    return {
      ...(body === undefined ? {} : { body }),
      query: { ...(base?.query ?? {}), ...flags.query },
      identity,
      ...(idempotencyKey === undefined ? {} : { idempotency_key: idempotencyKey })
    }
  })

const KNOWN_QUERY = ["cart_type"]

/** The request as a flow takes it: an owner, a cart type, the body decoded as the API would. */
export const flowCallOf = (spec: FlowSpec, request: FixtureRequest): Effect.Effect<FlowCall, string> =>
  Effect.gen(function* () {
    const unknown = Object.keys(request.query).filter((key) => !KNOWN_QUERY.includes(key))
    if (unknown.length > 0) {
      return yield* Effect.fail(`unknown query parameter ${unknown.join(", ")} (the flow name picks compute; known: cart_type)`)
    }
    const ref = yield* Schema.decodeUnknownEffect(OwnerRef)(request.identity).pipe(
      Effect.mapError((error) => `identity: ${error.message}`)
    )
    if (ref.customer_id === undefined && ref.session_id === undefined) {
      return yield* Effect.fail("no identity: give --customer ID or --session ID")
    }
    const cartType =
      spec.name === "buy-now"
        ? "BUY_NOW"
        : yield* Schema.decodeUnknownEffect(CartType)(request.query.cart_type ?? "DEFAULT").pipe(
            Effect.mapError((error) => `query cart_type: ${error.message}`)
          )
    if (spec.takesBody && request.body === undefined) {
      return yield* Effect.fail(`${spec.name} needs a body: --body JSON or --body @file.json`)
    }
    return {
      scope: { owner: fromOwnerRef(ref), cartType },
      body: request.body,
      idempotencyKey: request.idempotency_key
    }
  })
