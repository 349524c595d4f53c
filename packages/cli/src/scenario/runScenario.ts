import { createServer } from "node:http"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer, References } from "effect"
import { HttpClient, HttpClientRequest, HttpServer } from "effect/http"
import { ServerConfig } from "@orchestra/http/config/ServerConfig"
import { orchestraOn } from "@orchestra/http/server/Server"
import { parseJsonOrText } from "@orchestra/testkit/replay/requestBody"
import { checkExpectations } from "./expectations.ts"
import { parseJsonPath, valueAt } from "./jsonPath.ts"
import type { Scenario, ScenarioStep } from "./Scenario.ts"
import { substitute } from "./substitute.ts"

export interface StepReport {
  readonly index: number
  readonly name: string
  readonly method: string
  readonly path: string
  /** Undefined when the request could not be made (a missing `${name}`, a transport failure). */
  readonly status: number | undefined
  readonly durationMs: number
  readonly failures: ReadonlyArray<string>
  readonly body: unknown
}

const identityHeaders = (identity: Scenario["identity"]): Record<string, string> => ({
  "x-domain-id": identity.domain_id,
  ...(identity.customer_id === undefined ? {} : { "x-customer-id": identity.customer_id }),
  ...(identity.session_id === undefined ? {} : { "x-session-id": identity.session_id })
})

/** Query and header values are strings on the wire; a saved number is sent as its text. */
const asStrings = (value: unknown): Record<string, string> =>
  typeof value === "object" && value !== null
    ? Object.fromEntries(Object.entries(value).map(([key, v]) => [key, typeof v === "string" ? v : JSON.stringify(v)]))
    : {}

const runStep = (client: HttpClient.HttpClient, scenario: Scenario, step: ScenarioStep, index: number, saved: Map<string, unknown>) =>
  Effect.gen(function* () {
    const path = substitute(step.request.path, saved)
    const query = substitute(step.request.query ?? {}, saved)
    const headers = substitute(step.request.headers ?? {}, saved)
    const body = substitute(step.request.body, saved)
    const finalPath = typeof path.value === "string" ? path.value : step.request.path
    const base = { index, name: step.name, method: step.request.method, path: finalPath }
    const missing = [...new Set([...path.missing, ...query.missing, ...headers.missing, ...body.missing])]
    if (missing.length > 0) {
      const names = missing.map((name) => `\${${name}}`).join(", ")
      return { ...base, status: undefined, durationMs: 0, body: null, failures: [`no saved value for ${names}`] }
    }

    const started = performance.now()
    const request = HttpClientRequest.make(step.request.method)(finalPath).pipe(
      HttpClientRequest.setHeaders({ ...identityHeaders(step.identity ?? scenario.identity), ...asStrings(headers.value) }),
      HttpClientRequest.setUrlParams(asStrings(query.value))
    )
    const outcome = yield* client
      .execute(body.value === undefined ? request : HttpClientRequest.bodyJsonUnsafe(request, body.value))
      .pipe(
        Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, body: parseJsonOrText(text) }))),
        Effect.result
      )
    const durationMs = Math.round((performance.now() - started) * 10) / 10
    if (outcome._tag === "Failure") {
      return { ...base, status: undefined, durationMs, body: null, failures: [`the request failed: ${outcome.failure.message}`] }
    }
    const { status, body: answer } = outcome.success
    // Expected values may name saved ones too: the total the customer was shown, say.
    const expected = substitute(step.expect?.json ?? {}, saved)
    const json = typeof expected.value === "object" && expected.value !== null ? Object.fromEntries(Object.entries(expected.value)) : {}
    const failures = [
      ...expected.missing.map((name) => `no saved value for \${${name}}`),
      ...checkExpectations({ ...(step.expect?.status === undefined ? {} : { status: step.expect.status }), json }, status, answer)
    ]
    for (const [name, jsonPath] of Object.entries(step.save ?? {})) {
      const parsed = parseJsonPath(jsonPath)
      const found = parsed === undefined ? { found: false } : valueAt(answer, parsed)
      if (found.found) saved.set(name, found.value)
      else failures.push(`save ${name}: nothing at ${jsonPath}`)
    }
    return { ...base, status, durationMs, body: answer, failures }
  })

/**
 * The orchestrator in sandbox mode, as `pnpm start` runs it without downstream URLs, on a free
 * loopback port: simulators, memory stores, identity headers trusted as sent.
 */
const sandboxOrchestrator = (faults: string | undefined) =>
  Layer.unwrap(
    Effect.map(ServerConfig.load, (config) => orchestraOn(config, NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))
  ).pipe(
    Layer.provide(
      ConfigProvider.layer(
        ConfigProvider.fromUnknown({ PORT: "0", ORCHESTRA_MODE: "sandbox", ...(faults === undefined ? {} : { ORCHESTRA_SANDBOX_FAULTS: faults }) })
      )
    )
  )

/**
 * Runs a scenario against the whole orchestrator started in this process: the public HTTP app
 * over the sandbox simulators (memory stores, no gateway secret), on a free loopback port, called
 * over real HTTP step by step. Every step runs; `${name}` values saved by one feed the next.
 */
export const runScenario = (scenario: Scenario): Effect.Effect<ReadonlyArray<StepReport>, string> =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.mapRequest(HttpClientRequest.prependUrl(`http://127.0.0.1:${port}`)))
    const saved = new Map<string, unknown>()
    const reports: Array<StepReport> = []
    for (const [index, step] of scenario.steps.entries()) reports.push(yield* runStep(client, scenario, step, index + 1, saved))
    return reports
  }).pipe(
    Effect.provide([NodeHttpClient.layerUndici, sandboxOrchestrator(scenario.faults)]),
    Effect.mapError((error) => `the sandbox orchestrator could not start: ${error.message}`),
    // The server logs its start and every request; the scenario's report is the output here.
    Effect.provideService(References.MinimumLogLevel, "Error")
  )
