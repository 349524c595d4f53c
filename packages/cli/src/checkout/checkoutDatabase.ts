import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { CheckoutRegistry } from "@orchestra/core/stores/CheckoutRegistry"
import { CheckoutRegistrySql } from "@orchestra/core/stores/CheckoutRegistrySql"
import type { StoreUnavailable } from "@orchestra/core/stores/StoreUnavailable"
import { RunFailed, UsageError } from "../CliFailure.ts"

/** A database that does not answer within this is reported as unreachable. */
const REACH_TIMEOUT = "10 seconds"

const decodeRegistryRows = Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ registry: Schema.NullOr(Schema.String) })))

/** Where the URL points, without its credentials: for messages. */
const describe = (url: URL) => `${url.hostname}:${url.port || "5432"}${url.pathname}`

/** An error's message with its causes' (`Failed to connect: connect ECONNREFUSED …`), each once. */
const messages = (error: unknown): string => {
  const found: Array<string> = []
  for (let at: unknown = error; typeof at === "object" && at !== null && found.length < 5; at = "cause" in at ? at.cause : undefined) {
    if ("message" in at && typeof at.message === "string" && !found.includes(at.message)) found.push(at.message)
  }
  return found.join(": ")
}

const databaseUrl = Effect.gen(function* () {
  const configured = yield* Config.option(Config.Redacted("DATABASE_URL")).pipe(
    Effect.map(Option.filter((url) => Redacted.value(url).trim().length > 0)),
    Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
  )
  if (Option.isNone(configured)) {
    return yield* new UsageError({
      message: "DATABASE_URL is not set: orchestra checkout reads the checkouts from the workflow engine's PostgreSQL, the server's DATABASE_URL"
    })
  }
  const parsed = URL.canParse(Redacted.value(configured.value)) ? new URL(Redacted.value(configured.value)) : undefined
  if (parsed === undefined || !["postgres:", "postgresql:"].includes(parsed.protocol)) {
    return yield* new UsageError({ message: "DATABASE_URL is not a PostgreSQL URL (postgres://user@host:5432/database)" })
  }
  return { url: configured.value, where: describe(parsed) }
})

/**
 * Runs `use` with the checkout registry read straight from the engine's PostgreSQL
 * (`DATABASE_URL`), not through a server: it answers whether or not any server runs. No
 * `DATABASE_URL`, or one without checkouts, is bad usage (exit 2); a database that does not answer,
 * or fails a read, exit 1.
 */
export const withCheckoutRegistry = <A, R>(use: Effect.Effect<A, StoreUnavailable | RunFailed | UsageError, R | CheckoutRegistry>) =>
  Effect.gen(function* () {
    const { url, where } = yield* databaseUrl
    const unreachable = (error: Error) => new RunFailed({ message: `the checkout database at ${where} does not answer: ${messages(error)}` })
    return yield* Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [found] = yield* sql`SELECT to_regclass('orchestra_checkouts')::text AS registry`.pipe(
        Effect.timeout(REACH_TIMEOUT),
        Effect.mapError(unreachable),
        Effect.flatMap((rows) => Effect.orDie(decodeRegistryRows(rows)))
      )
      // Building the registry creates its tables: a mistyped URL must not leave them behind.
      if (found?.registry == null) {
        return yield* new UsageError({ message: `DATABASE_URL points at ${where}, which holds no checkouts (no orchestra_checkouts table): is it the server's?` })
      }
      return yield* use.pipe(Effect.provide(CheckoutRegistrySql))
    }).pipe(
      Effect.catchTag("StoreUnavailable", (error) => Effect.fail(new RunFailed({ message: `reading the checkouts at ${where} failed: ${error.message}` }))),
      Effect.provide(PgClient.layer({ url, applicationName: "orchestra-cli" }))
    )
  })
