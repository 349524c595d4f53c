import { CheckoutFlows } from "@orchestra/core/checkout/CheckoutFlows"
import type { ApiError } from "@orchestra/core/domain/Errors"
import type { CartType, Owner } from "@orchestra/core/domain/Owner"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { CheckoutRegistry } from "@orchestra/core/stores/CheckoutRegistry"
import { SuggestionsFlow } from "@orchestra/core/suggestions/SuggestionsFlow"
import { Context, Effect, Layer, Ref } from "effect"
import {
  deleteCartResponse,
  getCachedResponse,
  getCartResponse,
  itemsResponse,
  updateOptionsResponse
} from "./fixtures.ts"

export type FlowName = keyof CartFlows["Service"]

export interface FlowCall {
  readonly flow: FlowName
  readonly owner: Owner
  readonly cartType: CartType
  readonly request: unknown
  readonly requestId: string
  readonly idempotencyKey: string | undefined
}

/** What a test flow does before answering its fixture: nothing, fail, sleep, write a trace. */
export type FlowBehaviour = (call: FlowCall) => Effect.Effect<void, ApiError, RequestContext>

/** The calls the test flows received, in order. */
export class FlowCalls extends Context.Service<FlowCalls, { readonly all: Effect.Effect<ReadonlyArray<FlowCall>> }>()(
  "orchestra/http/test/FlowCalls"
) {}

/**
 * A `CartFlows` answering fixed valid responses and recording every call with the owner, cart
 * type, request and request context it got: the HTTP layer is what the tests check. With an empty
 * checkout registry, which `/metrics` reads.
 */
export const TestFlows = (behaviour: FlowBehaviour = () => Effect.void) =>
  Layer.effectContext(
    Effect.gen(function* () {
      const calls = yield* Ref.make<ReadonlyArray<FlowCall>>([])
      const run = <A>(
        flow: FlowName,
        input: { readonly owner: Owner; readonly cartType: CartType; readonly request?: unknown },
        answer: { readonly value: A }
      ) =>
        Effect.gen(function* () {
          const context = yield* RequestContext
          const call: FlowCall = {
            flow,
            owner: input.owner,
            cartType: input.cartType,
            request: input.request,
            requestId: context.requestId,
            idempotencyKey: context.idempotencyKey
          }
          yield* Ref.update(calls, (all) => [...all, call])
          yield* behaviour(call)
          return answer.value
        })
      const flows = CartFlows.of({
        itemsFull: (input) => run("itemsFull", input, itemsResponse(input.cartType)),
        itemsLite: (input) => run("itemsLite", input, itemsResponse(input.cartType)),
        updateOptions: (input) => run("updateOptions", input, updateOptionsResponse(input.cartType)),
        getFull: (input) => run("getFull", input, getCartResponse(input.cartType)),
        getCached: (input) => run("getCached", input, getCachedResponse(input.cartType)),
        deleteCart: (input) => run("deleteCart", input, deleteCartResponse(input.cartType)),
        buyNow: (input) => run("buyNow", { ...input, cartType: "BUY_NOW" }, itemsResponse("BUY_NOW")),
        // The merge on sign-in has its own suites over the real flows (issue 15): here there is never a guest cart.
        mergeGuestCart: () => Effect.succeedNone,
        guestCartTouched: () => Effect.void
      })
      return Context.make(CartFlows, flows).pipe(
        Context.add(FlowCalls, FlowCalls.of({ all: Ref.get(calls) })),
        // These suites test the HTTP layer of the cart endpoints; checkout and suggestions have their own.
        Context.add(
          CheckoutFlows,
          CheckoutFlows.of({ placeOrder: () => Effect.die("unimplemented in this test"), paymentWebhook: () => Effect.die("unimplemented in this test") })
        ),
        Context.add(SuggestionsFlow, SuggestionsFlow.of({ suggestions: () => Effect.die("unimplemented in this test") }))
      )
    })
  ).pipe(Layer.merge(CheckoutRegistry.layerMemory))
