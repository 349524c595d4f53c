import type { StepRecord } from "@orchestra/core/runtime/RequestContext"
import { Option, Schema } from "effect"
import { HttpBody, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { responseContentType, responseText } from "./responseText.ts"

export const DEBUG_TRACE_HEADER = "x-debug-trace"

/** Only when the operator enabled it AND the caller asked: the trace names internal services. */
export const wantsTrace = (enabled: boolean, request: HttpServerRequest.HttpServerRequest): boolean =>
  enabled && request.headers[DEBUG_TRACE_HEADER] === "1"

// API answers are objects with a boolean `success`; documents such as /openapi.json are left alone.
const ApiAnswer = Schema.fromJsonString(
  Schema.StructWithRest(Schema.Struct({ success: Schema.Boolean }), [Schema.Record(Schema.String, Schema.Unknown)])
)
const decodeAnswer = Schema.decodeUnknownOption(ApiAnswer)

/** The response with `"trace": [...]` added to its JSON body; any other response unchanged. */
export const addTrace = (
  response: HttpServerResponse.HttpServerResponse,
  trace: ReadonlyArray<StepRecord>
): HttpServerResponse.HttpServerResponse => {
  const contentType = responseContentType(response)
  const text = responseText(response)
  if (text === undefined || contentType === undefined || !contentType.includes("json")) return response
  return Option.match(decodeAnswer(text), {
    onNone: () => response,
    onSome: (answer) => HttpServerResponse.setBody(response, HttpBody.jsonUnsafe({ ...answer, trace }, contentType))
  })
}
