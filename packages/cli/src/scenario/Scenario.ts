import { Schema } from "effect"

const Identity = Schema.Struct({
  domain_id: Schema.String,
  customer_id: Schema.optionalKey(Schema.String),
  session_id: Schema.optionalKey(Schema.String)
})

/** One public API call of a journey, and what its answer must show. */
export const ScenarioStep = Schema.Struct({
  name: Schema.String,
  request: Schema.Struct({
    method: Schema.Literals(["GET", "POST", "PUT", "DELETE"]),
    /** A public API path, e.g. `/cart/items`. */
    path: Schema.String.pipe(Schema.check(Schema.isPattern(/^\//, { expected: "a path starting with /" }))),
    query: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
    /** Extra headers, e.g. `Idempotency-Key`; the identity headers come from `identity`. */
    headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
    body: Schema.optionalKey(Schema.Unknown)
  }),
  /** This step's caller, instead of the scenario's. */
  identity: Schema.optionalKey(Identity),
  expect: Schema.optionalKey(
    Schema.Struct({
      status: Schema.optionalKey(Schema.Int),
      /**
       * JSON path (`$.cart.items[0].quantity`) → the value it must hold, or one check:
       * `{ $exists: bool }`, `{ $length: n }`, `{ $contains: value }`, `{ $gte: n }`, `{ $lte: n }`.
       * Values may use `${name}` as requests do.
       */
      json: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
    })
  ),
  /** Values of this answer for later steps: name → JSON path; used as `${name}` in a request. */
  save: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})
export type ScenarioStep = typeof ScenarioStep.Type

/**
 * A journey of public API calls against the in-process sandbox (DESIGN §9): what CI runs to check
 * the orchestrator end to end, written as JSON or YAML.
 */
export const Scenario = Schema.Struct({
  name: Schema.String,
  description: Schema.optionalKey(Schema.String),
  /** The gateway identity every step sends unless it names its own. */
  identity: Identity,
  /** Sandbox faults for the whole run, in the `ORCHESTRA_SANDBOX_FAULTS` syntax. */
  faults: Schema.optionalKey(Schema.String),
  steps: Schema.Array(ScenarioStep).pipe(Schema.check(Schema.isMinLength(1)))
})
export type Scenario = typeof Scenario.Type

export const decodeScenario = Schema.decodeUnknownEffect(Scenario, { onExcessProperty: "error", errors: "all" })
