import { Schema } from "effect"
import type { OpenApi } from "effect/http-api"
import { type DemoExample, demoExamples } from "./DemoExamples.ts"
import { GATEWAY_SIGNATURE_FORMAT } from "../middleware/GatewaySignature.ts"

/**
 * What the endpoint schemas cannot say, added to the generated document in this one place:
 * - the security schemes: the gateway's HMAC (checked by the Identity middleware, only when the
 *   server has a gateway secret) and the payment gateways' webhook signature (checked by the
 *   webhook handler over the raw body);
 * - the response headers our middleware sets on every answer (`x-request-id`), on a replayed
 *   mutation (`idempotent-replayed`), and with a refusal to retry later (`Retry-After`);
 * - the examples of each operation, recorded from the sandbox running the demo journeys
 *   (DemoExamples.ts): Effect writes a schema's `examples` annotation as it is given, in the decoded
 *   form (amounts in minor units), so wire examples can only be added to the document here;
 * - no `multipleOf` in answers: validators (Redocly's, Spectral's, Postman's) divide in binary
 *   floating point, so a correct 1026.86 fails `multipleOf: 0.01` there. Requests keep it, as the
 *   server enforces it; answers are the server's own amounts, always with at most 2 decimals.
 * Everything else in the document comes from the schemas the server decodes with.
 */
export const completeDocument = (generated: unknown): OpenDocument => {
  const spec = decodeDocument(generated)
  const paths: Record<string, Record<string, Operation>> = {}
  for (const [path, item] of Object.entries(spec.paths)) {
    paths[path] = Object.fromEntries(Object.entries(item).map(([method, operation]) => [method, completeOperation(operation, path)]))
  }
  return {
    ...spec,
    paths,
    components: { ...spec.components, securitySchemes: { ...spec.components.securitySchemes, ...securitySchemes } }
  }
}

// The parts of the generated document this completion reads, every other key kept as it is.
const open = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.StructWithRest(Schema.Struct(fields), [Schema.Record(Schema.String, Schema.Unknown)])
const Parameter = open({ name: Schema.String, in: Schema.String })
const Content = Schema.Record(Schema.String, open({}))
const Response = open({ headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)), content: Schema.optionalKey(Content) })
const SecurityRequirement = Schema.Record(Schema.String, Schema.Array(Schema.String))
const Operation = open({
  operationId: Schema.String,
  parameters: Schema.Array(Parameter),
  requestBody: Schema.optionalKey(open({ content: Content })),
  responses: Schema.Record(Schema.String, Response),
  security: Schema.Array(SecurityRequirement)
})
type Operation = typeof Operation.Type
const OpenDocument = open({
  paths: Schema.Record(Schema.String, Schema.Record(Schema.String, Operation)),
  components: open({ securitySchemes: Schema.Record(Schema.String, Schema.Unknown) })
})
type OpenDocument = typeof OpenDocument.Type
const decodeDocument = Schema.decodeUnknownSync(OpenDocument)

const securitySchemes: Record<string, OpenApi.OpenAPISecurityScheme> = {
  gatewaySignature: {
    type: "apiKey",
    in: "header",
    name: "x-gateway-signature",
    description: `Required, with x-gateway-timestamp, when the server has ORCHESTRA_GATEWAY_SECRET (always in live mode): ${GATEWAY_SIGNATURE_FORMAT}. The sandbox trusts identity headers as sent.`
  },
  gatewayTimestamp: {
    type: "apiKey",
    in: "header",
    name: "x-gateway-timestamp",
    description: "Unix seconds, within ±300 s of server time; part of the signed string."
  },
  webhookSignature: {
    type: "apiKey",
    in: "header",
    name: "x-webhook-signature",
    description:
      'sha256=<hex HMAC-SHA256(the gateway\'s secret, "<x-webhook-timestamp>.<raw body>")>; the secret is ORCHESTRA_WEBHOOK_SECRET_<GATEWAY> (sandbox: sandbox-webhook-secret).'
  },
  webhookTimestamp: {
    type: "apiKey",
    in: "header",
    name: "x-webhook-timestamp",
    description: "Unix seconds; a delivery more than 300 s from server time is refused (401)."
  }
}

const requestIdHeader: OpenApi.OpenAPISpecHeader = {
  description: "The request's x-request-id: the caller's when it was valid, else generated. On every response.",
  required: true,
  schema: { type: "string", minLength: 1, maxLength: 128 }
}
const replayedHeader: OpenApi.OpenAPISpecHeader = {
  description: "`true` when this is the stored answer of an earlier request with the same Idempotency-Key and body.",
  required: false,
  schema: { type: "string", enum: ["true"] }
}
const retryAfterHeader: OpenApi.OpenAPISpecHeader = {
  description: "Seconds to wait before retrying: with RATE_LIMITED and OVERLOADED, and with the 409s CART_BUSY and IDEMPOTENCY_IN_PROGRESS.",
  required: false,
  schema: { type: "integer", minimum: 0 }
}

const hasHeader = (operation: Operation, name: string) =>
  operation.parameters.some((parameter) => parameter.in === "header" && parameter.name === name)

// Stored answers are the final ones: not a 400/413/415 (the request never ran) nor a 5xx (a retry may succeed).
const replayable = (status: string) => status.startsWith("2") || ["404", "409", "422"].includes(status)

const completeOperation = (operation: Operation, path: string): Operation => {
  const idempotent = hasHeader(operation, "idempotency-key")
  const examples = Object.entries(demoExamples[operation.operationId] ?? {})
  const responses: Record<string, typeof Response.Type> = {}
  for (const [status, response] of Object.entries(operation.responses)) {
    const answered = examples.filter(([, example]) => String(example.status) === status)
    responses[status] = {
      ...response,
      ...(response.content === undefined
        ? {}
        : { content: withExamples(withoutMultipleOf(response.content), answered, (example) => example.response) }),
      headers: {
        ...response.headers,
        "x-request-id": requestIdHeader,
        ...(idempotent && replayable(status) ? { "idempotent-replayed": replayedHeader } : {}),
        ...(status === "409" || status === "429" || status === "503" ? { "retry-after": retryAfterHeader } : {})
      }
    }
  }
  const { requestBody } = operation
  return {
    ...operation,
    ...(requestBody === undefined
      ? {}
      : { requestBody: { ...requestBody, content: withExamples(requestBody.content, examples, (example) => example.request) } }),
    responses,
    security: securityOf(operation, path)
  }
}

/** Each media type of `content` with the examples that have a value there, as named Example Objects. */
const withExamples = (
  content: typeof Content.Type,
  examples: ReadonlyArray<readonly [string, DemoExample]>,
  shown: (example: DemoExample) => unknown
): typeof Content.Type => {
  const named = examples.flatMap(([name, example]) => {
    const value = shown(example)
    return value === undefined ? [] : [[name, { summary: example.summary, value }] as const]
  })
  if (named.length === 0) return content
  return Object.fromEntries(Object.entries(content).map(([mediaType, media]) => [mediaType, { ...media, examples: Object.fromEntries(named) }]))
}

/** The media types of an answer, with every `multipleOf` keyword removed from their schemas. */
const withoutMultipleOf = (content: typeof Content.Type): typeof Content.Type =>
  Object.fromEntries(Object.entries(content).map(([mediaType, media]) => [mediaType, { ...media, schema: dropMultipleOf(media.schema) }]))

const dropMultipleOf = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(dropMultipleOf)
  if (typeof node !== "object" || node === null) return node
  return Object.fromEntries(Object.entries(node).flatMap(([key, value]) => (key === "multipleOf" ? [] : [[key, dropMultipleOf(value)]])))
}

/** Who signs the request: the API gateway for every owner's request, the payment gateway for webhooks. */
const securityOf = (operation: Operation, path: string): ReadonlyArray<typeof SecurityRequirement.Type> => {
  if (path.startsWith("/payments/webhooks/")) return [{ webhookSignature: [], webhookTimestamp: [] }]
  // `{}`: a server without a gateway secret (the sandbox) takes the identity headers unsigned.
  if (hasHeader(operation, "x-domain-id")) return [{ gatewaySignature: [], gatewayTimestamp: [] }, {}]
  return operation.security
}
