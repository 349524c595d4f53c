// `pnpm test:contract` (CI runs it from .ci/run): the public API checked by clients we did not
// write, against sandbox servers this script starts on free ports and stops.
// 1. newman runs the collection `orchestra openapi --format postman` exports, as exported (only
//    baseUrl points at the sandbox), against a sandbox without a gateway secret, as `pnpm start`;
// 2. newman runs it again with `gatewaySecret` against a sandbox that requires the gateway's HMAC;
// 3. portman generates contract tests from the document that sandbox serves at /openapi.json, and
//    newman runs them: every documented operation, called with the document's demo-catalog
//    examples, its answer checked against the document (status, content type, JSON schema, headers).
// Each run must end with no failure.
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Schema } from "effect"
import { SANDBOX_WEBHOOK_SECRET } from "@orchestra/http/middleware/WebhookSignature"
import { freshValueLine, gatewayScript, webhookScript } from "../src/openapi/toPostman.ts"

const root = resolve(import.meta.dirname, "../../..")
const bin = (name: string) => join(root, "node_modules/.bin", name)
const work = mkdtempSync(join(tmpdir(), "orchestra-contract-"))
const GATEWAY_SECRET = "contract-tests-gateway-secret"

const freePort = () =>
  new Promise<number>((done, fail) => {
    const probe = createServer()
    probe.once("error", fail)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      probe.close(() => (typeof address === "object" && address !== null ? done(address.port) : fail(new Error("no port"))))
    })
  })

const run = (command: string, args: ReadonlyArray<string>, options: { readonly quiet?: boolean } = {}) =>
  new Promise<void>((done, fail) => {
    // In the scratch directory: portman leaves its working files in the current one.
    const child = spawn(command, args, { cwd: work, stdio: options.quiet === true ? ["ignore", "ignore", "inherit"] : "inherit" })
    child.once("error", fail)
    child.once("exit", (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.join(" ")} exited ${code}`))))
  })

interface Sandbox {
  readonly baseUrl: string
  readonly process: ChildProcess
}

/** `orchestra serve` in sandbox mode, as `pnpm start` runs it, answering /health. */
const startSandbox = async (env: Record<string, string>): Promise<Sandbox> => {
  const port = await freePort()
  const child = spawn(process.execPath, [join(root, "packages/cli/src/bin.ts"), "serve"], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"]
  })
  const baseUrl = `http://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`the sandbox exited ${child.exitCode}`)
    const up = await fetch(`${baseUrl}/health`).then(
      (response) => response.ok,
      () => false
    )
    if (up) return { baseUrl, process: child }
    await new Promise((wait) => setTimeout(wait, 100))
  }
  child.kill("SIGTERM")
  throw new Error("the sandbox did not answer /health within 30 s")
}

const stopSandbox = (sandbox: Sandbox) =>
  new Promise<void>((done) => {
    if (sandbox.process.exitCode !== null) return done()
    sandbox.process.once("exit", () => done())
    sandbox.process.kill("SIGTERM")
  })

const Count = Schema.Struct({ total: Schema.Int, failed: Schema.Int })
const NewmanReport = Schema.Struct({
  run: Schema.Struct({
    stats: Schema.Struct({ requests: Count, assertions: Count, testScripts: Count, prerequestScripts: Count }),
    failures: Schema.Array(Schema.Unknown)
  })
})

/** Runs a collection with newman; the counts, or a failure when anything failed. */
const newman = async (name: string, collection: string, variables: Record<string, string>) => {
  const report = join(work, `${name}.report.json`)
  const args = ["run", collection, "--reporters", "cli,json", "--reporter-json-export", report, "--color", "off"]
  for (const [key, value] of Object.entries(variables)) args.push("--env-var", `${key}=${value}`)
  await run(bin("newman"), args).catch(() => undefined)
  const { stats, failures } = Schema.decodeUnknownSync(Schema.fromJsonString(NewmanReport))(readFileSync(report, "utf8")).run
  const summary = `${name}: ${stats.requests.total} requests, ${stats.assertions.total} assertions, ${failures.length} failures`
  if (failures.length > 0 || stats.requests.total === 0) throw new Error(summary)
  return summary
}

// Postman runs the collection's and the request's scripts in one scope: each in a block of its own.
const block = (lines: ReadonlyArray<string>) => ["{", ...lines, "}"].join("\n")

/** Portman's configuration: contract tests on every operation, called in the journeys' order with the values answers carry. */
const portmanConfig = {
  version: 1.0,
  tests: {
    contractTests: [
      { openApiOperation: "*::/*", statusSuccess: { enabled: true } },
      { openApiOperation: "*::/*", contentType: { enabled: true } },
      { openApiOperation: "*::/*", jsonBody: { enabled: true } },
      { openApiOperation: "*::/*", schemaValidation: { enabled: true } },
      { openApiOperation: "*::/*", headersPresent: { enabled: true } }
    ]
  },
  assignVariables: [
    { openApiOperation: "PUT::/cart", collectionVariables: [{ responseBodyProp: "cart.totals.net_payable", name: "netPayable" }] },
    {
      openApiOperation: "POST::/cart/place-order",
      collectionVariables: [
        { responseBodyProp: "payment[0].gateway_order_id", name: "gatewayOrderId" },
        { responseBodyProp: "payment[0].amount", name: "gatewayAmount" }
      ]
    }
  ],
  overwrites: [
    // The signature headers are made by the collection's script (as the exported collection does), not by Postman's auth.
    { openApiOperation: "*::/*", overwriteRequestSecurity: { remove: true } },
    {
      // The document's first place-order example pays cash on delivery; the gateway is paid here, so that the webhook has an order to confirm.
      openApiOperation: "POST::/cart/place-order",
      overwriteRequestBody: [
        { key: "total_order_amount", value: "{{{netPayable}}}", overwrite: true },
        { key: "payment_instruction[0].payment_mode", value: "GATEWAY", overwrite: true },
        { key: "payment_instruction[0].gateway", value: "PHONEPE", overwrite: true }
      ]
    },
    {
      // Buy-now fills the BUY_NOW cart (the DEFAULT one became the order): that is the cart to delete.
      openApiOperation: "DELETE::/cart",
      overwriteRequestQueryParams: [{ key: "cart_type", value: "BUY_NOW", overwrite: true }]
    },
    {
      openApiOperation: "POST::/payments/webhooks/{gateway}",
      overwriteRequestPathVariables: [{ key: "gateway", value: "phonepe", overwrite: true }],
      overwriteRequestBody: [
        { key: "event_id", value: "{{eventId}}", overwrite: true },
        { key: "gateway_order_id", value: "{{gatewayOrderId}}", overwrite: true },
        { key: "amount", value: "{{{gatewayAmount}}}", overwrite: true }
      ]
    }
  ],
  // The same scripts as the exported collection: a fresh Idempotency-Key per mutation, the gateway's HMAC, the webhook's signature.
  operationPreRequestScripts: [{ openApiOperation: "POST::/payments/webhooks/{gateway}", scripts: [block([freshValueLine("eventId"), ...webhookScript])] }],
  globals: {
    collectionPreRequestScripts: [block(gatewayScript)],
    orderOfOperations: [
      "POST::/cart/items",
      "GET::/cart",
      "PUT::/cart",
      "GET::/cart/suggestions",
      "POST::/cart/place-order",
      "POST::/payments/webhooks/{gateway}",
      "POST::/buy-now",
      "DELETE::/cart",
      "GET::/health",
      "GET::/ready",
      "GET::/metrics"
    ]
  }
}

/** openapi-to-postman's options: every parameter (x-customer-id is optional, one of two) with the document's examples. */
const postmanConfig = { folderStrategy: "Tags", requestNameSource: "Fallback", parametersResolution: "Example" }

const plain = await startSandbox({})
const signed = await startSandbox({ ORCHESTRA_GATEWAY_SECRET: GATEWAY_SECRET })
try {
  const exported = join(work, "orchestra.postman_collection.json")
  await run(process.execPath, [join(root, "packages/cli/src/bin.ts"), "openapi", "--format", "postman", "--out", exported], { quiet: true })
  const asExported = await newman("newman (exported collection, as exported)", exported, { baseUrl: plain.baseUrl })
  const withSecret = await newman("newman (exported collection, gateway-signed)", exported, { baseUrl: signed.baseUrl, gatewaySecret: GATEWAY_SECRET })

  const served = join(work, "openapi.json")
  writeFileSync(served, await (await fetch(`${signed.baseUrl}/openapi.json`)).text())
  const configFile = join(work, "portman-config.json")
  const postmanConfigFile = join(work, "postman-config.json")
  writeFileSync(configFile, JSON.stringify(portmanConfig, null, 2))
  writeFileSync(postmanConfigFile, JSON.stringify(postmanConfig, null, 2))
  const contract = join(work, "portman.postman_collection.json")
  await run(
    bin("portman"),
    ["-l", served, "-o", contract, "-b", signed.baseUrl, "-c", configFile, "-s", postmanConfigFile, "--syncPostman", "false"]
  )
  const contractRun = await newman("portman contract tests (served /openapi.json)", contract, {
    gatewaySecret: GATEWAY_SECRET,
    webhookSecret: SANDBOX_WEBHOOK_SECRET
  })
  process.stdout.write(`\n${asExported}\n${withSecret}\n${contractRun}\n`)
} finally {
  await Promise.all([stopSandbox(plain), stopSandbox(signed)])
  rmSync(work, { recursive: true, force: true })
}
