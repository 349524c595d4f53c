import { Effect, SchemaIssue } from "effect"
import { type HttpApiError, HttpApiMiddleware } from "effect/http-api"
import { Error400 } from "../api/ErrorBody.ts"
import { errorBody } from "../errors/ErrorAnswer.ts"

export interface Issue {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const toSegment = (segment: PropertyKey | { readonly key: PropertyKey }): string | number => {
  const key = typeof segment === "object" ? segment.key : segment
  return typeof key === "number" ? key : String(key)
}

/** Each problem of a failed decode, with its field path. */
export const issuesOfSchemaIssue = (schemaIssue: SchemaIssue.Issue): ReadonlyArray<Issue> =>
  formatter(schemaIssue).issues.map((issue) => ({
    path: (issue.path ?? []).map(toSegment),
    message: issue.message
  }))

export const issuesOf = (error: HttpApiError.HttpApiSchemaError): ReadonlyArray<Issue> => issuesOfSchemaIssue(error.cause.issue)

/** `["operations", 0, "quantity"]` → `operations[0].quantity`. */
export const formatPath = (path: ReadonlyArray<string | number>): string =>
  path.map((segment, index) => (typeof segment === "number" ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join("")

const slotNames: Record<HttpApiError.HttpApiSchemaError["kind"], string> = {
  Params: "path parameter",
  Query: "query parameter",
  Headers: "header",
  Payload: "request body",
  Body: "response body",
  ResponseHeaders: "response header"
}

export const messageOf = (kind: HttpApiError.HttpApiSchemaError["kind"], issues: ReadonlyArray<Issue>): string => {
  const first = issues[0]
  if (first === undefined) return `Invalid ${slotNames[kind]}`
  const where = first.path.length === 0 ? slotNames[kind] : `${slotNames[kind]} field ${formatPath(first.path)}`
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""
  return `Invalid ${where}: ${first.message}${more}`
}

/**
 * Every request decode failure (unknown fields, wrong types, each limit) becomes one 400
 * INVALID_REQUEST listing every issue with its field path. Failures to encode our own responses
 * stay failures of ours (500).
 */
export class InvalidRequest extends HttpApiMiddleware.Service<InvalidRequest>()("orchestra/http/InvalidRequest", {
  error: Error400
}) {
  static readonly layer = HttpApiMiddleware.layerSchemaErrorTransform(InvalidRequest, (error) => {
    if (error.kind === "Body" || error.kind === "ResponseHeaders") return Effect.fail(error)
    const issues = issuesOf(error)
    return Effect.flatMap(
      errorBody({ code: "INVALID_REQUEST", message: messageOf(error.kind, issues), details: issues }),
      Effect.fail
    )
  })
}
