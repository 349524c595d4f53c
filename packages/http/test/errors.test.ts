import { describe, expect, it } from "@effect/vitest"
import { ApiErrors } from "@orchestra/core/domain/Errors"
import { Effect } from "effect"
import { makeLogCapture } from "./support/logs.ts"
import { customer, send, testServer } from "./support/server.ts"

const items = { operations: [{ op: "ADD", product_id: "prod-1", quantity: 1 }] }

describe("error mapping", () => {
  for (const ErrorClass of ApiErrors) {
    const error = new ErrorClass({ message: "it went wrong", details: { hint: 1 }, service: "inventory" })
    const status = ErrorClass.ast.annotations?.httpApiStatus

    it.live(`a flow failing with ${error._tag} answers ${String(status)} with the error body`, () =>
      Effect.gen(function* () {
        for (const [method, path, body] of [
          ["POST", "/cart/items", items],
          ["GET", "/cart", undefined]
        ] as const) {
          const answer = yield* send(method, path, { headers: { ...customer, "x-request-id": "req-err-1" }, body })
          expect(answer.status).toBe(status)
          expect(answer.json).toEqual({
            success: false,
            error: {
              code: error._tag,
              message: "it went wrong",
              details: { hint: 1 },
              ...("service" in error ? { service: "inventory" } : {})
            },
            request_id: "req-err-1"
          })
          expect(answer.headers["x-request-id"]).toBe("req-err-1")
        }
      }).pipe(Effect.provide(testServer({ behaviour: () => Effect.fail(error) })))
    )
  }

  it.live("a defect is a 500 INTERNAL without internals, logged with the request id", () => {
    const logs = makeLogCapture()
    return Effect.gen(function* () {
      const answer = yield* send("POST", "/cart/items", { headers: { ...customer, "x-request-id": "req-boom" }, body: items })
      expect(answer.status).toBe(500)
      expect(answer.json).toEqual({
        success: false,
        error: { code: "INTERNAL", message: "Unexpected failure; quote the request id when reporting it" },
        request_id: "req-boom"
      })
      expect(answer.text).not.toContain("secret detail")
      const logged = logs.lines().find((line) => line.level === "ERROR")
      expect(logged?.annotations).toMatchObject({ request_id: "req-boom" })
      expect(JSON.stringify(logged)).toContain("secret detail")
    }).pipe(
      Effect.provide(testServer({ logs, behaviour: () => Effect.die(new Error("secret detail")) }))
    )
  })
})
