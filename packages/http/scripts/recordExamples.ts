// `node packages/http/scripts/recordExamples.ts`: runs the demo journeys (src/api/DemoJourneys.ts)
// against an in-process sandbox and writes what was sent and answered to src/api/demo-examples.json,
// the examples of the OpenAPI document. Run it again when a request or an answer changes shape:
// test/demoExamples.test.ts fails until then.
import { randomUUID } from "node:crypto"
import { writeFileSync } from "node:fs"
import { NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer, Logger } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { fileURLToPath } from "node:url"
import type { DemoExamples } from "../src/api/DemoExamples.ts"
import { demoIdentity, demoJourneys, isCarried, isFresh, type JourneyStep } from "../src/api/DemoJourneys.ts"
import { operationById, valueAt } from "../src/api/documentPaths.ts"
import { openApiDocument } from "../src/api/OpenApiDocument.ts"
import { ServerConfig } from "../src/config/ServerConfig.ts"
import { SANDBOX_WEBHOOK_SECRET, signWebhook } from "../src/middleware/WebhookSignature.ts"
import { orchestraOn } from "../src/server/Server.ts"

const examplesPath = fileURLToPath(new URL("../src/api/demo-examples.json", import.meta.url))

const sandbox = Layer.unwrap(Effect.map(ServerConfig.load, (config) => orchestraOn(config, NodeHttpServer.layerTest))).pipe(
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({}))),
  Layer.provide(Logger.layer([]))
)

/** The body with every carried value replaced by the one an earlier answer gave, every fresh one made. */
const resolve = (value: unknown, carried: ReadonlyMap<string, unknown>): unknown => {
  if (isCarried(value)) {
    if (!carried.has(value.carried)) throw new Error(`no earlier step carries ${value.carried}`)
    return carried.get(value.carried)
  }
  // The sandbox is new on every recording: a fixed id keeps the recorded file stable.
  if (isFresh(value)) return `${value.fresh}-demo-1`
  if (Array.isArray(value)) return value.map((item) => resolve(item, carried))
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, carried)]))
  }
  return value
}

const document = openApiDocument()

const run = (step: JourneyStep, carried: Map<string, unknown>) =>
  Effect.gen(function* () {
    const { method, path } = operationById(document, step.operationId)
    const url = Object.entries(step.params ?? {}).reduce((at, [name, value]) => at.replace(`{${name}}`, value), path)
    const query = new URLSearchParams(step.query ?? {}).toString()
    const body = step.body === undefined ? undefined : resolve(step.body, carried)
    const raw = body === undefined ? undefined : JSON.stringify(body)
    const webhook = step.operationId.startsWith("webhooks.")
    const headers: Record<string, string> = webhook
      ? signWebhook(SANDBOX_WEBHOOK_SECRET, Math.floor(Date.now() / 1000), raw ?? "")
      : {
          "x-domain-id": demoIdentity.domainId,
          "x-customer-id": demoIdentity.customerId,
          ...(method === "GET" ? {} : { "idempotency-key": randomUUID() })
        }
    const request = HttpClientRequest.make(method)(query === "" ? url : `${url}?${query}`).pipe(
      HttpClientRequest.setHeaders(headers),
      (base) => (raw === undefined ? base : HttpClientRequest.bodyText(base, raw, "application/json"))
    )
    const response = yield* (yield* HttpClient.HttpClient).execute(request)
    const text = yield* response.text
    if (response.status !== step.status) throw new Error(`${step.name}: expected ${step.status}, got ${response.status}: ${text}`)
    // A text answer (the metrics) is shown by its first lines.
    const answer: unknown = (response.headers["content-type"] ?? "").includes("json")
      ? JSON.parse(text)
      : text.split("\n").slice(0, 12).join("\n")
    for (const [name, at] of Object.entries(step.carries ?? {})) carried.set(name, valueAt(answer, at))
    return { summary: step.name, ...(body === undefined ? {} : { request: body }), status: step.status, response: answer }
  })

const record = Effect.gen(function* () {
  const examples: Record<string, Record<string, DemoExamples[string][string]>> = {}
  const carried = new Map<string, unknown>()
  for (const journey of demoJourneys) {
    for (const step of journey.steps) {
      const recorded = yield* run(step, carried)
      examples[step.operationId] = { ...examples[step.operationId], [step.example]: recorded }
    }
  }
  writeFileSync(examplesPath, `${JSON.stringify(examples, null, 2)}\n`)
  yield* Effect.sync(() => process.stdout.write(`wrote ${examplesPath}\n`))
})

await Effect.runPromise(record.pipe(Effect.provide(sandbox), Effect.scoped))
