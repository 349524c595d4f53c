import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"

/** The server tests reach PostgreSQL at (`POSTGRES_URL`; default the machine's, trust auth): its `postgres` database. */
export const postgresAdminUrl = process.env.POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

/** `use` over a connection of its own to the `postgres` database: to make and drop databases, and read their statistics. */
export const withPostgresAdmin = <A, E>(use: (sql: PgClient.PgClient) => Effect.Effect<A, E>) =>
  Effect.flatMap(PgClient.PgClient, use).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(postgresAdminUrl), connectTimeout: "2 seconds" })))

/**
 * Whether PostgreSQL answers, asked once: lets the tests skip (or, in CI, fail) what needs it
 * before they depend on it.
 */
export const postgresAnswers = (): Promise<boolean> =>
  Effect.runPromise(
    withPostgresAdmin((sql) => sql`SELECT 1`).pipe(
      Effect.timeout("3 seconds"),
      Effect.as(true),
      Effect.catchCause(() => Effect.succeed(false))
    )
  )

/** A database of the test's own, made empty at the start and dropped at the end. */
export class TestDatabase extends Context.Service<TestDatabase, { readonly name: string; readonly url: Redacted.Redacted<string> }>()(
  "orchestra/testkit/TestDatabase"
) {
  static readonly layer = Layer.effect(
    TestDatabase,
    Effect.acquireRelease(
      Effect.gen(function* () {
        const name = `orchestra_test_${crypto.randomUUID().replaceAll("-", "")}`
        yield* withPostgresAdmin((sql) => sql.unsafe(`CREATE DATABASE ${name}`))
        const url = new URL(postgresAdminUrl)
        url.pathname = `/${name}`
        return { name, url: Redacted.make(url.toString()) }
      }),
      ({ name }) => Effect.ignore(withPostgresAdmin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)))
    ).pipe(Effect.orDie)
  )
}

/**
 * `use` over a connection of its own to the test's database: to read or shift what the code under
 * test wrote there.
 */
export const withTestDatabase = <A, E>(use: (sql: PgClient.PgClient) => Effect.Effect<A, E>) =>
  Effect.flatMap(TestDatabase, ({ url }) => Effect.flatMap(PgClient.PgClient, use).pipe(Effect.provide(PgClient.layer({ url }))))
