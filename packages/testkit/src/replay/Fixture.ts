import { Schema } from "effect"
import { downstreamServices } from "@orchestra/core/services/index"
import { contractMethods } from "./ContractRoutes.ts"

/** The flows a fixture can hold, named as the CLI names them. */
export const FlowName = Schema.Literals([
  "items-full",
  "items-lite",
  "update-options",
  "get-cart",
  "get-cart-cached",
  "delete-cart",
  "buy-now",
  "place-order",
  "suggestions"
])
export type FlowName = typeof FlowName.Type

/** Who made the public request, as the gateway's identity headers named them. */
export const FixtureIdentity = Schema.Struct({
  domain_id: Schema.String,
  customer_id: Schema.optionalKey(Schema.String),
  session_id: Schema.optionalKey(Schema.String)
})
export type FixtureIdentity = typeof FixtureIdentity.Type

/** The public request as the gateway sent it: body and query on the wire. */
export const FixtureRequest = Schema.Struct({
  body: Schema.optionalKey(Schema.Unknown),
  query: Schema.Record(Schema.String, Schema.String),
  identity: FixtureIdentity,
  /** `Idempotency-Key`: downstream write keys are derived from it, so replay needs the same one. */
  idempotency_key: Schema.optionalKey(Schema.String)
})
export type FixtureRequest = typeof FixtureRequest.Type

/**
 * One downstream call as it happened. `status: null` is a call that never answered: the
 * orchestrator gave up after `latency_ms` (a timeout), and a replay does not answer it either.
 */
export const Interaction = Schema.Struct({
  service: Schema.Literals(downstreamServices),
  endpoint: Schema.String,
  method: Schema.Literals(contractMethods),
  /** The URL path with its query string, as sent. */
  path: Schema.String,
  request_body: Schema.NullOr(Schema.Unknown),
  status: Schema.NullOr(Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 200, maximum: 599 })))),
  response_body: Schema.NullOr(Schema.Unknown),
  latency_ms: Schema.Finite.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))
})
export type Interaction = typeof Interaction.Type

/**
 * A recorded request of one flow and every downstream interaction it caused: what `orchestra
 * simulate` replays offline and `orchestra record` writes.
 */
export const Fixture = Schema.Struct({
  flow: FlowName,
  /** What this fixture shows, for the support engineer who opens it. */
  description: Schema.optionalKey(Schema.String),
  /** When it was recorded (ISO 8601): a replay runs its clock from here, so "today" is that day. */
  recorded_at: Schema.String.pipe(Schema.check(Schema.makeFilter((s) => !Number.isNaN(Date.parse(s)) || "Expected an ISO 8601 date-time"))),
  /** Orchestrator settings that shape downstream requests (e.g. `ORCHESTRA_CURRENCY`), as recorded. */
  config: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  request: FixtureRequest,
  interactions: Schema.Array(Interaction)
})
export type Fixture = typeof Fixture.Type

export const FixtureJson = Schema.fromJsonString(Fixture)

/** Decodes a fixture strictly: an unknown field is more likely a typo than something to drop. */
export const decodeFixture = Schema.decodeUnknownEffect(FixtureJson, { onExcessProperty: "error", errors: "all" })

/** A fixture as written to disk: two-space JSON with a trailing newline, stable for diffs. */
export const fixtureText = (fixture: Fixture): string => `${JSON.stringify(Schema.encodeSync(Fixture)(fixture), null, 2)}\n`
