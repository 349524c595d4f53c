import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Ref } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { AddressId } from "../../src/domain/Ids.ts"
import { RequestContext } from "../../src/runtime/RequestContext.ts"
import { defaultStepPolicy } from "../../src/runtime/StepPolicy.ts"
import { runStep } from "../../src/runtime/StepRunner.ts"
import { CustomerService } from "../../src/services/Customer.ts"
import { read, withContext } from "./fakes.ts"

const address = { address_id: "addr_1", customer_id: "cust_1", city: "Pune", pincode: "411001", serviceable: true }

/** The live customer client over an HTTP client that answers every request with `address` and keeps its headers. */
const liveCustomer = Effect.gen(function* () {
  const sent = yield* Ref.make<ReadonlyArray<Readonly<Record<string, string>>>>([])
  const http = HttpClient.make((request) =>
    Effect.as(
      Ref.update(sent, (all) => [...all, request.headers]),
      HttpClientResponse.fromWeb(
        request,
        new Response(JSON.stringify(address), { status: 200, headers: { "content-type": "application/json" } })
      )
    )
  )
  const customer = yield* Effect.provide(
    Effect.gen(function* () {
      return yield* CustomerService
    }),
    CustomerService.layer.pipe(
      Layer.provide(Layer.succeed(HttpClient.HttpClient, http)),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { CUSTOMER_SERVICE_URL: "http://customer.test" } })))
    )
  )
  return { customer, sent: Ref.get(sent) }
})

describe("live downstream requests", () => {
  it.effect("carry the request id and when the caller stops waiting (x-request-deadline, epoch ms)", () =>
    Effect.gen(function* () {
      const { customer, sent } = yield* liveCustomer
      const context = yield* RequestContext.make({ requestId: "req_42", deadlineMs: 5_000 })
      const found = yield* withContext(
        context,
        runStep(read("customer.address"), customer.address({ params: { address_id: AddressId.make("addr_1") } }))
      )
      assert.strictEqual(found.city, "Pune")
      const [headers] = yield* sent
      assert.strictEqual(headers?.["x-request-id"], "req_42")
      assert.strictEqual(headers?.["x-request-deadline"], String(context.startedAt + defaultStepPolicy.readTimeoutMs))
    })
  )

  it.effect("outside a request they carry neither", () =>
    Effect.gen(function* () {
      const { customer, sent } = yield* liveCustomer
      yield* customer.address({ params: { address_id: AddressId.make("addr_1") } })
      const [headers] = yield* sent
      assert.isDefined(headers)
      assert.notProperty(headers, "x-request-id")
      assert.notProperty(headers, "x-request-deadline")
    })
  )
})
