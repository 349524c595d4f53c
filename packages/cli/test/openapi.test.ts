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
const Collection = Schema.Struct({
  info: Schema.Struct({ name: Schema.String, schema: Schema.String }),
  item: Schema.Array(Schema.Struct({ name: Schema.String, item: Schema.Array(Schema.Struct({ name: Schema.String })) }))
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
    "postman: a v2.1 collection, one folder per tag, written with --out",
    () =>
      Effect.gen(function* () {
        const out = join(scratchDir(), "orchestra.postman_collection.json")
        const run = yield* runCli(["openapi", "--format", "postman", "--out", out])
        assert.strictEqual(run.code, 0, run.stderr)
        const collection = Schema.decodeUnknownSync(Schema.fromJsonString(Collection))(readFileSync(out, "utf8"))
        assert.strictEqual(collection.info.name, "Orchestra cart & checkout orchestrator")
        assert.include(collection.info.schema, "v2.1.0")
        const cart = collection.item.find((folder) => folder.name === "cart")
        assert.isTrue(cart?.item.some((request) => request.name === "Add, set, update or remove cart items"))
      }),
    { timeout: 60_000 }
  )
})
