import { basename } from "node:path"
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { FlowName } from "@orchestra/testkit/replay/Fixture"
import { RunFailed, UsageError } from "../CliFailure.ts"
import { loadFixture } from "../cli/loadFixture.ts"
import { parseWhatIf } from "../cli/parseWhatIf.ts"
import { requestFlags, toRequestFlags } from "../cli/requestFlags.ts"
import { flowSpec, flowSpecs } from "../flows/FlowCatalog.ts"
import { requestFrom } from "../flows/PublicRequest.ts"
import { simulate } from "../simulate/Simulation.ts"
import { renderTimeline } from "../simulate/Timeline.ts"

const tenth = (ms: number) => Math.round(ms * 10) / 10

/** The trace for machines: timings to a tenth of a millisecond, as they were recorded. */
const jsonTrace = (trace: ReadonlyArray<{ readonly start_ms: number; readonly duration_ms: number }>) =>
  trace.map((record) => ({ ...record, start_ms: tenth(record.start_ms), duration_ms: tenth(record.duration_ms) }))

export const simulateCommand = Command.make(
  "simulate",
  {
    flow: Argument.Literals("flow", FlowName.literals).pipe(
      Argument.withDescription(`The flow to run: ${flowSpecs.map((s) => `${s.name} (${s.endpoint})`).join(", ")}`)
    ),
    fixture: Flag.String("fixture").pipe(Flag.withDescription("The fixture whose recorded interactions answer every downstream call")),
    ...requestFlags,
    whatIf: Flag.String("what-if").pipe(
      Flag.withDescription(
        "What if a downstream call behaved otherwise: service.endpoint=timeout|lost-reply|error:503|latency:200ms (latency adds to the recorded one; service.* and * target more); repeatable"
      ),
      Flag.atLeast(0)
    ),
    fast: Flag.Boolean("fast").pipe(Flag.withDescription("Ignore the recorded latencies: every call answers at once"), Flag.withDefault(false)),
    deadlineMs: Flag.Int("deadline-ms").pipe(
      Flag.withDescription("The request deadline; default the recorded ORCHESTRA_REQUEST_DEADLINE_MS, else 5000"),
      Flag.optional
    ),
    format: Flag.Literals("format", ["pretty", "json"]).pipe(
      Flag.withDescription("pretty: a step timeline and the response; json: { status, response, trace, warnings, calls }"),
      Flag.withDefault("pretty")
    )
  },
  (input) =>
    Effect.gen(function* () {
      const fixture = yield* loadFixture(input.fixture)
      const spec = flowSpec(input.flow)
      const whatIf = yield* parseWhatIf(input.whatIf)
      if (Option.isSome(input.deadlineMs) && input.deadlineMs.value <= 0) {
        return yield* new UsageError({ message: "--deadline-ms must be positive" })
      }
      // Another flow may replay this fixture's interactions, but not with a body it does not take.
      const { body, ...withoutBody } = fixture.request
      const base = spec.takesBody || body === undefined ? fixture.request : withoutBody
      const request = yield* requestFrom(base, toRequestFlags(input)).pipe(
        Effect.mapError((message) => new UsageError({ message }))
      )
      const result = yield* simulate({ ...fixture, flow: input.flow }, request, {
        fast: input.fast,
        whatIf,
        deadlineMs: Option.getOrUndefined(input.deadlineMs)
      }).pipe(Effect.mapError((message) => new UsageError({ message })))

      if (input.format === "json") {
        yield* Console.log(
          JSON.stringify(
            { status: result.status, response: result.response, trace: jsonTrace(result.trace), warnings: result.warnings, calls: result.calls },
            null,
            2
          )
        )
      } else {
        const who = request.identity.customer_id ?? request.identity.session_id ?? "?"
        const recorded = fixture.flow === input.flow ? "" : `, recorded for ${fixture.flow}`
        yield* Console.log(
          renderTimeline(
            {
              title: `simulate ${spec.name} · ${spec.endpoint}`,
              lines: [
                `fixture    ${basename(input.fixture)} (recorded ${fixture.recorded_at}, ${fixture.interactions.length} interactions${recorded})`,
                `request    ${request.identity.customer_id === undefined ? "session" : "customer"} ${who} in ${request.identity.domain_id}, cart ${request.query.cart_type ?? (spec.name === "buy-now" ? "BUY_NOW" : "DEFAULT")}`,
                `latencies  ${input.fast ? "ignored (--fast)" : "as recorded, on a virtual clock"}; deadline ${result.deadlineMs} ms`,
                ...(input.whatIf.length === 0 ? [] : [`what-if    ${input.whatIf.join(", ")}`]),
                ...(fixture.description === undefined ? [] : [`about      ${fixture.description}`])
              ]
            },
            result
          ).trimEnd()
        )
      }
      if (result.failure !== undefined) {
        return yield* new RunFailed({
          message: `${spec.name} failed: HTTP ${result.status} ${result.failure.code}: ${result.failure.message}`
        })
      }
    })
).pipe(
  Command.withDescription(
    "Replay a flow offline against a fixture's recorded downstream interactions, through the real flow and client layers, and show every step on a timeline. Exit 0 on success, 1 when the flow fails, 2 on bad usage or a fixture that cannot answer the flow."
  ),
  Command.withExamples([
    { command: "orchestra simulate items-full --fixture packages/testkit/fixtures/items-full.json", description: "Replay a recorded add-to-cart" },
    {
      command: "orchestra simulate get-cart --fixture packages/testkit/fixtures/get-cart.json --what-if inventory.checkAvailability=timeout",
      description: "What if inventory had timed out? (an optional step: the cart comes back with a warning)"
    },
    {
      command: "orchestra simulate items-full --fixture packages/testkit/fixtures/items-full.json --what-if cart.compute=error:503 --format json",
      description: "A critical step failing: exit 1, and the error body as the gateway would get it"
    },
    {
      command: "orchestra simulate items-full --fixture f.json --body @request.json --customer cust_2 --fast",
      description: "Another request over the same interactions; a call the fixture lacks names the closest recorded one"
    }
  ])
)
