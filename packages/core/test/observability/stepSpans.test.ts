import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { tracedFlow } from "../../src/observability/Telemetry.ts"
import { RequestContext } from "../../src/runtime/RequestContext.ts"
import { runStep } from "../../src/runtime/StepRunner.ts"
import { recordingTracer } from "../support/recordingTracer.ts"


const flowWithOneStep = tracedFlow("getFull", () =>
  Effect.flatMap(RequestContext.make({ requestId: "r", deadlineMs: 5_000 }), (context) =>
    Effect.provideService(runStep({ name: "cart.find", kind: "read" }, Effect.succeed("found")), RequestContext, context)
  )
)

describe("flow and step spans", () => {
  it.effect("with a tracer installed, the flow and each step get a span", () =>
    Effect.gen(function* () {
      const { names, tracer } = recordingTracer()
      assert.strictEqual(yield* Effect.withTracer(flowWithOneStep(undefined), tracer), "found")
      assert.deepStrictEqual(names, ["flow.getFull", "cart.find"])
    })
  )

  it.effect("with Effect's native tracer (no exporter) no span is opened: the caller's span stays current", () =>
    Effect.gen(function* () {
      const inside = Effect.flatMap(RequestContext.make({ requestId: "r", deadlineMs: 5_000 }), (context) =>
        Effect.provideService(runStep({ name: "cart.find", kind: "read" }, Effect.currentSpan), RequestContext, context)
      )
      const [outer, seen] = yield* Effect.withSpan(
        Effect.flatMap(Effect.currentSpan, (span) => Effect.map(tracedFlow("getFull", () => inside)(undefined), (step) => [span, step] as const)),
        "request"
      )
      assert.strictEqual(seen.spanId, outer.spanId)
      assert.strictEqual(seen.name, "request")
    })
  )
})
