import { join } from "node:path"
import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { parse } from "yaml"
import { runCli, scratchDir } from "./support/runCli.ts"

const Document = Schema.Struct({
  openapi: Schema.String,
  paths: Schema.Record(Schema.String, Schema.Unknown)
})
const Script = Schema.Struct({ listen: Schema.Literals(["prerequest", "test"]), script: Schema.Struct({ exec: Schema.Array(Schema.String) }) })
const Request = Schema.Struct({
  name: Schema.String,
  request: Schema.Struct({
    method: Schema.String,
    header: Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String })),
    url: Schema.Struct({ raw: Schema.String }),
    body: Schema.optionalKey(Schema.Struct({ raw: Schema.String }))
  }),
  event: Schema.Array(Script)
})
const Collection = Schema.Struct({
  info: Schema.Struct({ name: Schema.String, schema: Schema.String }),
  variable: Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String })),
  event: Schema.Array(Script),
  item: Schema.Array(Schema.Struct({ name: Schema.String, item: Schema.Array(Request) }))
})

describe("orchestra openapi (as a process)", () => {
  it.live(
    "json and yaml print the same document, the one the server serves",
    () =>
      Effect.gen(function* () {
        const [json, yaml] = yield* Effect.all([runCli(["openapi"]), runCli(["openapi", "--format", "yaml"])], { concurrency: 2 })
        assert.strictEqual(json.code, 0, json.stderr)
        assert.strictEqual(yaml.code, 0, yaml.stderr)
        const fromJson = Schema.decodeUnknownSync(Schema.fromJsonString(Document))(json.stdout)
        assert.strictEqual(fromJson.openapi, "3.1.0")
        assert.includeMembers(Object.keys(fromJson.paths), ["/cart/items", "/cart", "/buy-now", "/cart/place-order"])
        assert.deepStrictEqual(Schema.decodeUnknownSync(Document)(parse(yaml.stdout)), fromJson)
      }),
    { timeout: 60_000 }
  )

  it.live(
    "postman: the demo journeys as a v2.1 collection that runs as exported, identical on every export",
    () =>
      Effect.gen(function* () {
        const out = join(scratchDir(), "orchestra.postman_collection.json")
        const [written, printed] = yield* Effect.all([runCli(["openapi", "--format", "postman", "--out", out]), runCli(["openapi", "--format", "postman"])], {
          concurrency: 2
        })
        assert.strictEqual(written.code, 0, written.stderr)
        const text = readFileSync(out, "utf8")
        // Stable: nothing random in the bodies, the ids or the order.
        assert.strictEqual(text.trimEnd(), printed.stdout.trimEnd())
        const collection = Schema.decodeUnknownSync(Schema.fromJsonString(Collection))(text)
        assert.strictEqual(collection.info.name, "Orchestra cart & checkout orchestrator")
        assert.include(collection.info.schema, "v2.1.0")
        const variables = Object.fromEntries(collection.variable.map(({ key, value }) => [key, value]))
        assert.deepInclude(variables, { baseUrl: "http://localhost:3000", domainId: "dom_demo", customerId: "cust_1", gatewaySecret: "" })

        const requests = collection.item.flatMap((folder) => folder.item)
        const journey = requests.map(({ request }) => `${request.method} ${request.url.raw.replace("{{baseUrl}}", "")}`)
        assert.deepStrictEqual(journey.slice(0, 6), [
          "POST /cart/items",
          "GET /cart",
          "GET /cart?compute=false",
          "PUT /cart",
          "GET /cart/suggestions",
          "POST /cart/place-order"
        ])
        assert.include(journey, "DELETE /cart")
        assert.include(journey, "POST /payments/webhooks/phonepe")

        for (const { name, request, event } of requests) {
          const tests = event.filter((e) => e.listen === "test").flatMap((e) => e.script.exec).join("\n")
          assert.include(tests, "pm.response.to.have.status(", name)
          assert.isFalse(JSON.stringify(request).includes('"string"'), `${name} sends a placeholder value`)
          if (request.url.raw.includes("/cart") || request.url.raw.includes("/buy-now")) {
            assert.deepInclude(request.header, { key: "x-domain-id", value: "{{domainId}}" }, name)
            assert.deepInclude(request.header, { key: "x-customer-id", value: "{{customerId}}" }, name)
          }
        }
        const placeCod = requests.find(({ name }) => name === "Place the order, cash on delivery")
        assert.include(placeCod?.request.body?.raw ?? "", '"total_order_amount": {{netPayable}}')
        const options = requests.find(({ name }) => name === "Choose address, delivery, coupon and tip")
        assert.include(options?.event.flatMap((e) => e.script.exec).join("\n") ?? "", "pm.collectionVariables.set('netPayable'")

        const prerequest = collection.event.flatMap((e) => e.script.exec).join("\n")
        assert.include(prerequest, "Idempotency-Key")
        assert.include(prerequest, "HmacSHA256")
        assert.include(prerequest, "gatewaySecret")
      }),
    { timeout: 60_000 }
  )
})
