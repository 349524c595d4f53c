import { hostname } from "node:os"
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import { PgClient } from "@effect/sql-pg"
import { Clock, Config, Cron, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { ClusterCron, ClusterWorkflowEngine, RunnerAddress, SingleRunner } from "effect/cluster"
import { SqlClient } from "effect/sql"
import { WorkflowEngine } from "effect/workflow"
import { CheckoutRegistry } from "../stores/CheckoutRegistry.ts"
import { CheckoutRegistrySql } from "../stores/CheckoutRegistrySql.ts"
import { checkoutAdmissionLayer, durableCheckoutLimit, memoryCheckoutLimit } from "./CheckoutAdmission.ts"
import { CheckoutStorageProbeSql } from "./CheckoutStorageProbe.ts"

/** How the checkout's workflow engine runs (DESIGN §6), read from the environment. */
export interface CheckoutEngineConfigShape {
  /** `DATABASE_URL`: the engine and the checkout registry in PostgreSQL; without it, in memory (one process). */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  /** `ORCHESTRA_PAYMENT_WINDOW_S` (900): how long an unpaid gateway payment is waited for. */
  readonly paymentWindow: Duration.Duration
  /** `ORCHESTRA_CHECKOUT_RETENTION_DAYS` (30): finished checkouts are forgotten after this long. */
  readonly retention: Duration.Duration
  /**
   * `ORCHESTRA_ENGINE_POLL_MS` (500): how often a runner looks in storage for work another process
   * left it (a webhook received elsewhere, a timer, a checkout started elsewhere).
   */
  readonly pollInterval: Duration.Duration
  /**
   * `ORCHESTRA_ENGINE_LOCK_EXPIRATION_S` (35): how long the checkouts of a process that died and did
   * not come back wait before another process takes them over.
   */
  readonly shardLockExpiration: Duration.Duration
  /**
   * `ORCHESTRA_ENGINE_SHUTDOWN_S` (15): on shutdown, how long a step in flight may take to finish
   * before it is cut off (it runs again, with its key, wherever the checkout resumes).
   */
  readonly shutdownTimeout: Duration.Duration
  /**
   * `ORCHESTRA_RUNNER_ADDRESS` (`host:port`; default this host and `PORT`): the identity of this
   * process among the runners. A process restarted with the same identity resumes its checkouts
   * at once; give every instance its own.
   */
  readonly runnerAddress: Option.Option<{ readonly host: string; readonly port: number }>
}

const RunnerAddressSetting = Schema.String.pipe(Schema.check(Schema.isPattern(/^[^:\s]+:\d{1,5}$/, { expected: "host:port" })))

const parseRunnerAddress = (text: string) => {
  const at = text.lastIndexOf(":")
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) }
}

/** Reads the engine's settings; `port` is the server's own, the default runner identity. */
export const checkoutEngineConfig = (port: number) =>
  Config.all({
    databaseUrl: Config.option(Config.Redacted("DATABASE_URL")).pipe(
      Config.map(Option.filter((url) => Redacted.value(url).trim().length > 0))
    ),
    paymentWindow: Config.Int("ORCHESTRA_PAYMENT_WINDOW_S").pipe(Config.withDefault(900), Config.map(Duration.seconds)),
    retention: Config.Int("ORCHESTRA_CHECKOUT_RETENTION_DAYS").pipe(Config.withDefault(30), Config.map(Duration.days)),
    pollInterval: Config.Int("ORCHESTRA_ENGINE_POLL_MS").pipe(Config.withDefault(500), Config.map(Duration.millis)),
    shardLockExpiration: Config.Int("ORCHESTRA_ENGINE_LOCK_EXPIRATION_S").pipe(Config.withDefault(35), Config.map(Duration.seconds)),
    shutdownTimeout: Config.Int("ORCHESTRA_ENGINE_SHUTDOWN_S").pipe(Config.withDefault(15), Config.map(Duration.seconds)),
    runnerAddress: Config.option(Config.schema(RunnerAddressSetting, "ORCHESTRA_RUNNER_ADDRESS")).pipe(
      // Port 0 is "any free port": no stable identity, so a fresh one each start.
      Config.map((configured) =>
        Option.isSome(configured) ? Option.some(parseRunnerAddress(configured.value)) : port === 0 ? Option.none() : Option.some({ host: hostname(), port })
      )
    )
  }) satisfies Config.Config<CheckoutEngineConfigShape>

/**
 * The sandbox's and unit tests' engine: workflows and their registry in this process only, with
 * the checkout admission that suits it (`ORCHESTRA_MAX_STARTING_CHECKOUTS`).
 */
export const CheckoutEngineMemory = Layer.mergeAll(
  WorkflowEngine.layerMemory,
  CheckoutRegistry.layerMemory,
  checkoutAdmissionLayer(memoryCheckoutLimit)
)

/** Checkouts removed per transaction: a statement names at most 65,535 parameters (PostgreSQL's protocol). */
const RETENTION_BATCH = 5_000

/**
 * Deletes finished checkouts older than the retention, with the engine's rows for them (messages
 * and replies of their workflow and timer entities, whose entity id is the execution id). Nothing
 * in the engine does this itself. Each batch goes in one transaction with the engine's rows, so a
 * failure leaves its checkouts listed for the next run rather than their rows orphaned.
 */
export const removeExpiredCheckouts = (retention: Duration.Duration) =>
  Effect.gen(function* () {
    const registry = yield* CheckoutRegistry
    const sql = yield* SqlClient.SqlClient
    const before = (yield* Clock.currentTimeMillis) - Duration.toMillis(retention)
    const removeBatch = sql.withTransaction(
      Effect.gen(function* () {
        const removed = yield* registry.removeFinishedBefore(before, RETENTION_BATCH)
        if (removed.length > 0) {
          yield* sql`DELETE FROM cluster_replies WHERE request_id IN (SELECT request_id FROM cluster_messages WHERE entity_id IN ${sql.in(removed)})`
          yield* sql`DELETE FROM cluster_messages WHERE entity_id IN ${sql.in(removed)}`
        }
        return removed.length
      })
    )
    let total = 0
    while (true) {
      const removed = yield* removeBatch
      total += removed
      if (removed < RETENTION_BATCH) break
    }
    if (total > 0) yield* Effect.logInfo("finished checkouts removed", { count: total })
    return total
  })

/** Hourly, on one runner of the cluster at a time. */
const RetentionJob = (retention: Duration.Duration) =>
  ClusterCron.make({
    name: "checkout-retention",
    cron: Cron.parseUnsafe("17 * * * *"),
    execute: removeExpiredCheckouts(retention).pipe(
      Effect.catchCause((cause) => Effect.logWarning("checkout retention failed; retried next hour", cause)),
      Effect.asVoid
    )
  })

/**
 * The engine in PostgreSQL (`DATABASE_URL`): Effect's cluster workflow engine on one runner per
 * process (`SingleRunner`, runners and shard locks in SQL), so that several processes share the
 * checkouts and take over those of one that dies; the registry in the same database; the
 * retention job as a cluster cron; the readiness probe on the engine's pool; checkout admission.
 */
export const checkoutEnginePostgres = (databaseUrl: Redacted.Redacted<string>, config: CheckoutEngineConfigShape) =>
  Layer.mergeAll(ClusterWorkflowEngine.layer, RetentionJob(config.retention), checkoutAdmissionLayer(durableCheckoutLimit)).pipe(
    Layer.provideMerge(Layer.merge(CheckoutRegistrySql, CheckoutStorageProbeSql)),
    Layer.provideMerge(
      SingleRunner.layer({
        runnerStorage: "sql",
        shardingConfig: {
          entityMessagePollInterval: config.pollInterval,
          entityTerminationTimeout: config.shutdownTimeout,
          shardLockExpiration: config.shardLockExpiration,
          // A third of the expiration, as the engine would shorten it to anyway.
          shardLockRefreshInterval: Duration.divide(config.shardLockExpiration, 3).pipe(Option.getOrElse(() => Duration.seconds(10))),
          runnerAddress: Option.map(config.runnerAddress, ({ host, port }) => RunnerAddress.make(host, port)).pipe(
            Option.orElse(() => Option.some(RunnerAddress.make(hostname(), 40_000 + Math.floor(Math.random() * 20_000))))
          )
        }
      })
    ),
    Layer.provide(NodeCrypto.layerDigest),
    Layer.provideMerge(PgClient.layer({ url: databaseUrl }))
  )

/** The engine the configuration asks for. */
export const checkoutEngine = (config: CheckoutEngineConfigShape) =>
  Option.match(config.databaseUrl, {
    onNone: () => CheckoutEngineMemory,
    onSome: (url) => checkoutEnginePostgres(url, config)
  })
