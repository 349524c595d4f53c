import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"

/** `memory`: the engine lives in this process; `up` / `down`: whether its PostgreSQL answers. */
export type CheckoutStorageState = "memory" | "up" | "down"

/** A probe that does not answer within this is `down`: a readiness check must answer quickly. */
const PROBE_TIMEOUT = "1 second"

/**
 * Whether the checkout engine's storage answers, for `GET /ready`. The in-memory engine answers
 * whenever the process does, so that is the default; the PostgreSQL engine provides
 * `CheckoutStorageProbeSql`.
 */
export const CheckoutStorageProbe = Context.Reference<{ readonly state: Effect.Effect<CheckoutStorageState> }>(
  "orchestra/CheckoutStorageProbe",
  { defaultValue: () => ({ state: Effect.succeed("memory") }) }
)

/** `SELECT 1` through the engine's own pool: the connection its checkouts depend on. */
export const CheckoutStorageProbeSql = Layer.effect(
  CheckoutStorageProbe,
  Effect.map(SqlClient.SqlClient, (sql) => ({
    state: sql`SELECT 1`.pipe(
      Effect.timeout(PROBE_TIMEOUT),
      Effect.match({ onFailure: (): CheckoutStorageState => "down", onSuccess: (): CheckoutStorageState => "up" })
    )
  }))
)
