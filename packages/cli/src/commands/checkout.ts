import { Clock, Console, Duration, Effect, Option, Result } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { CheckoutRegistry, CheckoutState, isTerminal } from "@orchestra/core/stores/CheckoutRegistry"
import { RunFailed, UsageError } from "../CliFailure.ts"
import { withCheckoutRegistry } from "../checkout/checkoutDatabase.ts"
import { detailJson, renderDetail } from "../checkout/checkoutDetail.ts"
import { checkoutSummary, renderList } from "../checkout/checkoutListing.ts"
import { parseDuration } from "../cli/durations.ts"

const MAX_LIMIT = 10_000

const format = Flag.Literals("format", ["text", "json"]).pipe(
  Flag.withDescription("text: for people; json: for scripts (times in ISO 8601, UTC)"),
  Flag.withDefault("text")
)

const unfinishedStates = CheckoutState.literals.filter((state) => !isTerminal(state))

const listCommand = Command.make(
  "list",
  {
    state: Flag.Literals("state", CheckoutState.literals).pipe(
      Flag.withDescription("Only checkouts in this state; repeatable"),
      Flag.atLeast(0)
    ),
    unfinished: Flag.Boolean("unfinished").pipe(
      Flag.withDescription(`Only checkouts not yet finished (${unfinishedStates.join(", ")}), with any --state`),
      Flag.withDefault(false)
    ),
    olderThan: Flag.String("older-than").pipe(Flag.withDescription("Only checkouts created longer ago than this: 15m, 2h, 3d, 1h30m"), Flag.optional),
    limit: Flag.Int("limit").pipe(Flag.withDescription(`At most this many, oldest first (1 to ${MAX_LIMIT}; default 50)`), Flag.withDefault(50)),
    format
  },
  (input) =>
    Effect.gen(function* () {
      if (input.limit < 1 || input.limit > MAX_LIMIT) return yield* new UsageError({ message: `--limit must be between 1 and ${MAX_LIMIT}, got ${input.limit}` })
      const olderThan = Option.isNone(input.olderThan) ? undefined : parseDuration(input.olderThan.value)
      if (olderThan !== undefined && Result.isFailure(olderThan)) return yield* new UsageError({ message: `--older-than: ${olderThan.failure}` })
      const states = [...new Set([...input.state, ...(input.unfinished ? unfinishedStates : [])])]
      const now = yield* Clock.currentTimeMillis
      const records = yield* withCheckoutRegistry(
        Effect.flatMap(CheckoutRegistry, (registry) =>
          registry.list({
            states: states.length === 0 ? undefined : states,
            createdBefore: olderThan === undefined ? undefined : now - Duration.toMillis(olderThan.success),
            limit: input.limit
          })
        )
      )
      yield* Console.log(
        input.format === "json"
          ? JSON.stringify({ checkouts: records.map((record) => checkoutSummary(record, now)) }, null, 2)
          : renderList(records, now, input.limit).trimEnd()
      )
    })
).pipe(
  Command.withDescription(
    "List checkouts from the workflow engine's PostgreSQL (DATABASE_URL), oldest first: state, age, order id / number, the client's Idempotency-Key, the cart and the execution id."
  ),
  Command.withExamples([
    { command: "orchestra checkout list --unfinished --older-than 30m", description: "Checkouts that should have finished by now" },
    { command: "orchestra checkout list --state AWAITING_PAYMENT --state PAID", description: "Waiting for a payment, or paid and completing" },
    { command: "orchestra checkout list --state CANCELLED --limit 10 --format json", description: "For a script" }
  ])
)

const showCommand = Command.make(
  "show",
  {
    reference: Argument.String("reference").pipe(
      Argument.withDescription("An order id, order number, the client's Idempotency-Key or the execution id; a key two customers used shows both checkouts")
    ),
    format
  },
  ({ reference, format }) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const details = yield* withCheckoutRegistry(
        Effect.gen(function* () {
          const registry = yield* CheckoutRegistry
          const records = yield* registry.find(reference)
          if (records.length === 0) {
            return yield* new RunFailed({ message: `no checkout matches ${reference} (an order id, order number, Idempotency-Key or execution id)` })
          }
          return yield* Effect.forEach(records, (record) => Effect.map(registry.steps(record.execution_id), (steps) => ({ record, steps })))
        })
      )
      yield* Console.log(
        format === "json"
          ? JSON.stringify({ checkouts: details.map((detail) => detailJson(detail, now)) }, null, 2)
          : details.map((detail) => renderDetail(detail, now)).join("\n").trimEnd()
      )
    })
).pipe(
  Command.withDescription(
    "Show one checkout from the workflow engine's PostgreSQL (DATABASE_URL): its state, times, order, gateway orders and the answer the client got, then every downstream call its saga made as a timeline (start, activity, step, outcome, tries, duration, error). Exit 1 when nothing matches."
  ),
  Command.withExamples([
    { command: "orchestra checkout show ord_00000042", description: "By order id (or number)" },
    { command: "orchestra checkout show 3f1c9d1e-checkout-key", description: "By the client's Idempotency-Key" },
    { command: "orchestra checkout show ord_00000042 --format json", description: "The record and its steps for a script" }
  ])
)

export const checkoutCommand = Command.make("checkout").pipe(
  Command.withDescription(
    "Look into checkouts as the durable workflow engine keeps them: read straight from its PostgreSQL (DATABASE_URL, required), not through a server."
  ),
  Command.withSubcommands([listCommand, showCommand]),
  Command.withExamples([
    { command: "DATABASE_URL=postgres://postgres@127.0.0.1:5432/orchestra orchestra checkout list --unfinished", description: "What is still running" },
    { command: "orchestra checkout show ord_00000042", description: "Why did this order end that way?" }
  ])
)
