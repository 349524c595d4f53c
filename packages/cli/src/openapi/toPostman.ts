import { demoIdentity, demoJourneys, isCarried, isFresh, type Journey, type JourneyStep } from "@orchestra/http/api/DemoJourneys"
import { operationById } from "@orchestra/http/api/documentPaths"
import type { OpenApi } from "effect/http-api"

/**
 * The public API as a Postman collection (v2.1) that runs as exported against `pnpm start`: the
 * demo journeys (DemoJourneys.ts) in order, each request built from its operation in the
 * document (method, path, identity headers), each answer tested for its status and checked
 * against the document's schema, values an answer carries (net_payable, the gateway order) set
 * as collection variables for the next requests.
 */
export const toPostmanCollection = (document: OpenApi.OpenAPISpec, journeys: ReadonlyArray<Journey> = demoJourneys): PostmanCollection => ({
  info: {
    name: document.info.title,
    description: `${document.info.description ?? ""}\n\nRun it with newman: \`newman run orchestra.postman_collection.json --env-var baseUrl=http://localhost:3000\`. Set \`gatewaySecret\` to the server's ORCHESTRA_GATEWAY_SECRET when it has one.`,
    schema: "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
  },
  variable: [
    { key: "baseUrl", value: "http://localhost:3000", description: "The orchestrator" },
    { key: "domainId", value: demoIdentity.domainId, description: "x-domain-id of every request" },
    { key: "customerId", value: demoIdentity.customerId, description: "x-customer-id of every request" },
    { key: "gatewaySecret", value: "", description: "The server's ORCHESTRA_GATEWAY_SECRET; when set, every request is signed as the API gateway signs it" },
    { key: "webhookSecret", value: "sandbox-webhook-secret", description: "The PhonePe webhook secret (ORCHESTRA_WEBHOOK_SECRET_PHONEPE)" }
  ],
  event: [script("prerequest", gatewayScript)],
  item: journeys.map((journey) => ({
    name: journey.name,
    description: journey.description,
    item: journey.steps.map((step) => requestItem(document, step))
  }))
})

export interface PostmanCollection {
  readonly info: { readonly name: string; readonly description: string; readonly schema: string }
  readonly variable: ReadonlyArray<{ readonly key: string; readonly value: string; readonly description: string }>
  readonly event: ReadonlyArray<PostmanEvent>
  readonly item: ReadonlyArray<{ readonly name: string; readonly description: string; readonly item: ReadonlyArray<PostmanRequestItem> }>
}

export interface PostmanEvent {
  readonly listen: "prerequest" | "test"
  readonly script: { readonly type: "text/javascript"; readonly exec: ReadonlyArray<string> }
}

export interface PostmanRequestItem {
  readonly name: string
  readonly request: {
    readonly method: string
    readonly description: string
    readonly header: ReadonlyArray<{ readonly key: string; readonly value: string }>
    readonly url: {
      readonly raw: string
      readonly host: ReadonlyArray<string>
      readonly path: ReadonlyArray<string>
      readonly query?: ReadonlyArray<{ readonly key: string; readonly value: string }>
    }
    readonly body?: { readonly mode: "raw"; readonly raw: string; readonly options: { readonly raw: { readonly language: "json" } } }
  }
  readonly event: ReadonlyArray<PostmanEvent>
}

/**
 * The collection's pre-request script, as the API gateway behaves (DESIGN §3): a fresh
 * Idempotency-Key on every mutation (a rerun must neither replay nor reuse the last run's key),
 * and, when `gatewaySecret` is set, the gateway's HMAC over
 * "<timestamp>\n<METHOD>\n<path>\n<domain>\n<customer or empty>\n<session or empty>".
 */
export const gatewayScript: ReadonlyArray<string> = [
  "const isOwnerRequest = pm.request.headers.has('x-domain-id');",
  "if (isOwnerRequest && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(pm.request.method)) {",
  "  pm.request.headers.upsert({ key: 'Idempotency-Key', value: pm.variables.replaceIn('{{$guid}}') });",
  "}",
  "const gatewaySecret = pm.variables.get('gatewaySecret');",
  "if (isOwnerRequest && gatewaySecret) {",
  "  const CryptoJS = require('crypto-js');",
  "  const header = (name) => pm.variables.replaceIn(pm.request.headers.get(name) || '');",
  "  const timestamp = String(Math.floor(Date.now() / 1000));",
  "  const signed = [timestamp, pm.request.method, pm.request.url.getPath(), header('x-domain-id'), header('x-customer-id'), header('x-session-id')].join('\\n');",
  "  pm.request.headers.upsert({ key: 'x-gateway-timestamp', value: timestamp });",
  "  pm.request.headers.upsert({ key: 'x-gateway-signature', value: 'v1=' + CryptoJS.HmacSHA256(signed, gatewaySecret).toString(CryptoJS.enc.Hex) });",
  "}"
]

/** Sets a collection variable to a new value before the request (variables, unlike `{{$guid}}`, resolve the same in a signature). */
export const freshValueLine = (name: string) => `pm.collectionVariables.set('${name}', '${name}-' + pm.variables.replaceIn('{{$guid}}'));`

/** A payment gateway's signature over the exact body sent: "<timestamp>.<raw body>" (DESIGN §6). */
export const webhookScript: ReadonlyArray<string> = [
  "const CryptoJS = require('crypto-js');",
  "const timestamp = String(Math.floor(Date.now() / 1000));",
  "const body = pm.variables.replaceIn(pm.request.body.raw);",
  "pm.request.headers.upsert({ key: 'x-webhook-timestamp', value: timestamp });",
  "pm.request.headers.upsert({ key: 'x-webhook-signature', value: 'sha256=' + CryptoJS.HmacSHA256(timestamp + '.' + body, pm.variables.get('webhookSecret')).toString(CryptoJS.enc.Hex) });"
]

const requestItem = (document: OpenApi.OpenAPISpec, step: JourneyStep): PostmanRequestItem => {
  const { method, path, operation } = operationById(document, step.operationId)
  const segments = Object.entries(step.params ?? {})
    .reduce((at, [name, value]) => at.replace(`{${name}}`, value), path)
    .split("/")
    .filter((segment) => segment.length > 0)
  const query = Object.entries(step.query ?? {}).map(([key, value]) => ({ key, value }))
  const search = query.length === 0 ? "" : `?${query.map(({ key, value }) => `${key}=${value}`).join("&")}`
  const takes = (name: string) => operation.parameters.some((parameter) => parameter.in === "header" && parameter.name === name)
  const signedByWebhook = operation.security.some((requirement) => "webhookSignature" in requirement)
  const fresh = freshNames(step.body)
  return {
    name: step.name,
    request: {
      method,
      description: [operation.summary, operation.description].filter((text) => text !== undefined).join("\n\n"),
      header: [
        ...(takes("x-domain-id") ? [{ key: "x-domain-id", value: "{{domainId}}" }] : []),
        ...(takes("x-customer-id") ? [{ key: "x-customer-id", value: "{{customerId}}" }] : []),
        ...(step.body === undefined ? [] : [{ key: "content-type", value: "application/json" }])
      ],
      url: {
        raw: `{{baseUrl}}/${segments.join("/")}${search}`,
        host: ["{{baseUrl}}"],
        path: segments,
        ...(query.length === 0 ? {} : { query })
      },
      ...(step.body === undefined ? {} : { body: { mode: "raw", raw: renderBody(step.body), options: { raw: { language: "json" } } } })
    },
    event: [
      ...(fresh.length === 0 && !signedByWebhook
        ? []
        : [
            script("prerequest", [
              ...fresh.map(freshValueLine),
              ...(signedByWebhook ? webhookScript : [])
            ])
          ]),
      script("test", testLines(document, operation, step))
    ]
  }
}

// Each script in a block of its own: Postman runs the collection's and the request's scripts in one scope.
const script = (listen: PostmanEvent["listen"], exec: ReadonlyArray<string>): PostmanEvent => ({
  listen,
  script: { type: "text/javascript", exec: ["{", ...exec.map((line) => `  ${line}`), "}"] }
})

/** The body's JSON text, a carried or fresh value as its `{{variable}}` (a number unquoted). */
const renderBody = (body: unknown): string => {
  const tokens = new Map<string, string>()
  const text = JSON.stringify(
    body,
    (_key, value: unknown) => {
      if (!isCarried(value) && !isFresh(value)) return value
      const token = `@@${tokens.size}@@`
      tokens.set(
        `"${token}"`,
        isCarried(value) ? (value.type === "number" ? `{{${value.carried}}}` : `"{{${value.carried}}}"`) : `"{{${value.fresh}}}"`
      )
      return token
    },
    2
  )
  return [...tokens].reduce((at, [token, variable]) => at.replace(token, variable), text)
}

const freshNames = (body: unknown): ReadonlyArray<string> => {
  if (isFresh(body)) return [body.fresh]
  if (typeof body !== "object" || body === null) return []
  return Object.values(body).flatMap(freshNames)
}

/** Status, the x-request-id header, the body against the document's schema, and the values carried on. */
const testLines = (document: OpenApi.OpenAPISpec, operation: OpenApi.OpenAPISpecOperation, step: JourneyStep): ReadonlyArray<string> => {
  const media = Object.entries(operation.responses[step.status]?.content ?? {})[0]
  const isJson = media?.[0].includes("json") === true
  return [
    `pm.test('status ${step.status}', function () { pm.response.to.have.status(${step.status}); });`,
    "pm.test('x-request-id is echoed', function () { pm.response.to.have.header('x-request-id'); });",
    ...(media === undefined
      ? []
      : isJson
        ? [
            `const schema = ${JSON.stringify(resolveReferences(media[1].schema, document))};`,
            // Postman's validator divides in binary floating point; amounts are compared to 9 places.
            "pm.test('the answer matches the document', function () { pm.response.to.have.jsonSchema(schema, { multipleOfPrecision: 9 }); });"
          ]
        : [`pm.test('the answer is ${media[0]}', function () { pm.expect(pm.response.headers.get('content-type')).to.include('${media[0].split(";")[0]}'); });`]),
    ...Object.entries(step.carries ?? {}).map(
      ([name, at]) =>
        `pm.collectionVariables.set('${name}', ${JSON.stringify(at.split("."))}.reduce(function (value, key) { return value == null ? undefined : value[key]; }, pm.response.json()));`
    )
  ]
}

/** The schema with every `#/components/schemas/…` reference replaced by its definition (the collection has no components). */
const resolveReferences = (schema: unknown, document: OpenApi.OpenAPISpec): unknown => {
  if (Array.isArray(schema)) return schema.map((item) => resolveReferences(item, document))
  if (typeof schema !== "object" || schema === null) return schema
  const entries = Object.entries(schema)
  const reference = entries.find(([key]) => key === "$ref")?.[1]
  if (typeof reference === "string" && reference.startsWith("#/components/schemas/")) {
    return resolveReferences(document.components.schemas[reference.slice("#/components/schemas/".length)], document)
  }
  return Object.fromEntries(entries.map(([key, value]) => [key, resolveReferences(value, document)]))
}
