import { Effect, Schema } from "effect"
import { CustomerId, DomainId, SessionId } from "@orchestra/core/domain/Ids"
import { Operations } from "@orchestra/core/domain/Operation"
import type { Owner } from "@orchestra/core/domain/Owner"
import type { ItemsRequest } from "@orchestra/core/flows/requests"
import { RequestContext, type RequestContextShape } from "@orchestra/core/runtime/RequestContext"

export const domain = DomainId.make("dom_demo")
export const customer = (id = "cust_1"): Owner => ({ _tag: "Customer", domainId: domain, customerId: CustomerId.make(id) })
export const guest = (id: string): Owner => ({ _tag: "Session", domainId: domain, sessionId: SessionId.make(id) })

let owners = 0
/** A fresh owner per test: the sandbox is shared within a file. */
export const freshCustomer = (): Owner => customer(`cust_test_${++owners}_${Date.now()}`)

/** Operations as the gateway would send them, decoded like the HTTP layer does. */
export const ops = (...operations: ReadonlyArray<unknown>): ItemsRequest => ({
  operations: Schema.decodeUnknownSync(Operations)(operations)
})

/** Runs a flow as one request would, returning its answer and its request context (trace, warnings). */
export const asRequest = <A, E, R>(flow: Effect.Effect<A, E, R | RequestContext>, deadlineMs = 5_000) =>
  Effect.gen(function* () {
    const context = yield* RequestContext.make({ requestId: "test", deadlineMs })
    const result = yield* Effect.provideService(flow, RequestContext, context)
    return { result, context }
  })

export const stepsOf = (context: RequestContextShape) => context.trace.map((r) => r.step)

/** Whether two trace records ran at the same time (their intervals overlap). */
export const overlap = (context: RequestContextShape, a: string, b: string) => {
  const x = context.trace.find((r) => r.step === a)
  const y = context.trace.find((r) => r.step === b)
  if (x === undefined || y === undefined) return false
  return x.start_ms < y.start_ms + y.duration_ms && y.start_ms < x.start_ms + x.duration_ms
}
