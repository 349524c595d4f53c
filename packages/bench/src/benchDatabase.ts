import { TestDatabase, withPostgresAdmin } from "@orchestra/testkit/postgres/TestDatabase"
import { Context, Effect, Exit, Layer, Redacted, Schema, Scope } from "effect"

/** Ours' checkout engine database for one group: made empty when the group starts, dropped when it ends. */
export interface BenchDatabase {
  readonly url: string
  /** Transactions committed and rolled back in it so far, as PostgreSQL's statistics count them. */
  readonly transactions: () => Promise<number>
  readonly drop: () => Promise<void>
}

const Count = Schema.Struct({ transactions: Schema.NumberFromString })

/**
 * Backends publish their statistics at most once a second (PostgreSQL 15's `PGSTAT_MIN_INTERVAL`),
 * so a count read right after a run would miss its last second: read after this long.
 */
export const STATISTICS_DELAY_MS = 1_500

export const createBenchDatabase = async (): Promise<BenchDatabase> => {
  const scope = Scope.makeUnsafe()
  const context = await Effect.runPromise(Layer.buildWithScope(TestDatabase.layer, scope))
  const { name, url } = Context.get(context, TestDatabase)
  return {
    url: Redacted.value(url),
    transactions: () =>
      Effect.runPromise(
        withPostgresAdmin(
          (sql) => sql`SELECT (xact_commit + xact_rollback)::text AS transactions FROM pg_stat_database WHERE datname = ${name}`
        ).pipe(Effect.flatMap(([row]) => Schema.decodeUnknownEffect(Count)(row)), Effect.map((count) => count.transactions))
      ),
    drop: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
