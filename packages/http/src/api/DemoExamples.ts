import { Schema } from "effect"
import recorded from "./demo-examples.json" with { type: "json" }

/** One recorded exchange of a demo journey (DemoJourneys.ts): what was sent and what the sandbox answered. */
export const DemoExample = Schema.Struct({
  summary: Schema.String,
  request: Schema.optionalKey(Schema.Unknown),
  status: Schema.Int,
  response: Schema.Unknown
})
export type DemoExample = typeof DemoExample.Type

/** operationId → example key → exchange, as `scripts/recordExamples.ts` wrote them. */
export const DemoExamples = Schema.Record(Schema.String, Schema.Record(Schema.String, DemoExample))
export type DemoExamples = typeof DemoExamples.Type

export const demoExamples: DemoExamples = Schema.decodeUnknownSync(DemoExamples)(recorded)
