import { Console, Effect, FileSystem, Option, Result, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { parseFaultSpec } from "@orchestra/testkit/faults/Fault"
import { FlowName, fixtureText } from "@orchestra/testkit/replay/Fixture"
import { UsageError } from "../CliFailure.ts"
import { requestFlags, toRequestFlags } from "../cli/requestFlags.ts"
import { resolveServiceUrls } from "../cli/serviceUrls.ts"
import { recordedSettingsFromEnv } from "../record/RecordedSettings.ts"
import { flowSpecs } from "../flows/FlowCatalog.ts"
import { readBody, requestFrom } from "../flows/PublicRequest.ts"
import { type FlowRequest, recordFixture } from "../record/Recorder.ts"
import { withSandboxServer } from "../record/SandboxTarget.ts"
import { summarize } from "../record/summarize.ts"

const decodeFlowName = Schema.decodeUnknownEffect(FlowName)

/** `--setup items-full=@cart.json`, `--setup items-full={"operations":[…]}` or `--setup get-cart`. */
const parseSetup = (spec: string, identity: FlowRequest["request"]["identity"]) =>
  Effect.gen(function* () {
    const at = spec.indexOf("=")
    const name = at === -1 ? spec : spec.slice(0, at)
    const flow = yield* decodeFlowName(name).pipe(
      Effect.mapError(() => `--setup ${spec}: unknown flow ${name} (known: ${flowSpecs.map((s) => s.name).join(", ")})`)
    )
    const body = at === -1 ? undefined : yield* readBody(spec.slice(at + 1))
    return { flow, request: { ...(body === undefined ? {} : { body }), query: {}, identity } } satisfies FlowRequest
  })

export const recordCommand = Command.make(
  "record",
  {
    flow: Argument.Literals("flow", FlowName.literals).pipe(Argument.withDescription("The flow to run and record")),
    out: Flag.String("out").pipe(Flag.withDescription("Where to write the fixture (JSON)")),
    ...requestFlags,
    serviceUrl: Flag.String("service-url").pipe(
      Flag.withDescription("One base URL for every downstream service not set otherwise (e.g. a sandbox server)"),
      Flag.optional
    ),
    urls: Flag.KeyValuePair("url").pipe(
      Flag.withDescription("A service's base URL, service=URL (inventory=http://inventory:8080); repeatable; else *_SERVICE_URL"),
      Flag.optional
    ),
    sandbox: Flag.Boolean("sandbox").pipe(
      Flag.withDescription("Record against the in-memory simulators served on a free loopback port instead of live services"),
      Flag.withDefault(false)
    ),
    sandboxFaults: Flag.String("sandbox-faults").pipe(
      Flag.withDescription("With --sandbox: faults the simulators answer with, e.g. inventory.checkAvailability=latency:300ms"),
      Flag.optional
    ),
    setup: Flag.String("setup").pipe(
      Flag.withDescription("A request to run first, unrecorded, as the same customer: flow[=JSON|=@file]; repeatable, in order"),
      Flag.atLeast(0)
    ),
    description: Flag.String("description").pipe(Flag.withDescription("What the fixture shows, kept in it"), Flag.optional)
  },
  (input) =>
    Effect.gen(function* () {
      const usage = (message: string) => new UsageError({ message })
      const request = yield* requestFrom(undefined, toRequestFlags(input)).pipe(Effect.mapError(usage))
      const withKey =
        input.flow === "place-order" && request.idempotency_key === undefined
          ? { ...request, idempotency_key: `rec-${Date.now()}` }
          : request
      const setup = yield* Effect.forEach(input.setup, (spec) => parseSetup(spec, withKey.identity)).pipe(Effect.mapError(usage))
      const settings = yield* recordedSettingsFromEnv
      const base = {
        flow: input.flow,
        request: withKey,
        settings,
        setup,
        ...(Option.isSome(input.description) ? { description: input.description.value } : {})
      }

      const fixture = input.sandbox
        ? yield* Effect.gen(function* () {
            const faults = Option.isNone(input.sandboxFaults) ? Result.succeed([]) : parseFaultSpec(input.sandboxFaults.value)
            if (Result.isFailure(faults)) return yield* Effect.fail(`--sandbox-faults ${faults.failure}`)
            return yield* withSandboxServer(faults.success, (target) => recordFixture({ ...base, serviceUrls: target.serviceUrls }))
          }).pipe(Effect.mapError(usage))
        : yield* Effect.gen(function* () {
            if (Option.isSome(input.sandboxFaults)) return yield* usage("--sandbox-faults needs --sandbox")
            const serviceUrls = yield* resolveServiceUrls({
              serviceUrl: input.serviceUrl,
              urls: Option.getOrElse(input.urls, () => ({}))
            })
            return yield* recordFixture({ ...base, serviceUrls }).pipe(Effect.mapError(usage))
          })

      yield* FileSystem.FileSystem.use((fs) => fs.writeFileString(input.out, fixtureText(fixture))).pipe(
        Effect.mapError((error) => usage(`cannot write ${input.out}: ${error.message}`))
      )
      yield* Console.log(`recorded ${fixture.flow}: ${fixture.interactions.length} interactions → ${input.out}`)
      yield* Console.log(summarize(fixture).join("\n"))
    })
).pipe(
  Command.withDescription(
    "Run a flow against live downstream services (or the sandbox) with a recording HTTP client, and write every interaction (request, status, body, latency) to a fixture for `simulate`."
  ),
  Command.withExamples([
    {
      command: "orchestra record get-cart --customer cust_42 --domain dom_acme --out cart-cust42.json",
      description: "Record a customer's GET /cart against the services at *_SERVICE_URL"
    },
    {
      command: "orchestra record items-full --sandbox --customer cust_1 --body '{\"operations\":[{\"op\":\"ADD\",\"product_id\":\"prod_case\",\"quantity\":1}]}' --out add-case.json",
      description: "Record against the in-process sandbox"
    },
    {
      command: "orchestra record get-cart --sandbox --customer cust_1 --setup items-full=@add.json --out cart.json",
      description: "Bring the sandbox into shape first (unrecorded), then record"
    },
    {
      command: "orchestra record place-order --service-url http://127.0.0.1:4000 --customer cust_1 --body @order.json --idempotency-key k1 --out order.json",
      description: "Every service behind one base URL"
    }
  ])
)
