import { Layer } from "effect"
import { CheckoutEngineMemory } from "@orchestra/core/checkout/CheckoutEngine"
import { CheckoutFlowsLive } from "@orchestra/core/checkout/CheckoutFlows"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import { SuggestionsFlowLive } from "@orchestra/core/suggestions/SuggestionsFlow"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock } from "@orchestra/core/stores/CartLock"
import { type Catalog, demoCatalog } from "../catalog/Catalog.ts"
import type { FaultRule } from "../faults/Fault.ts"
import { FaultInjector } from "../faults/FaultInjector.ts"
import { Sandbox, SandboxDownstreams } from "./Sandbox.ts"

/**
 * The cart, checkout and suggestions flows over the in-process simulators with fault injection: the sandbox's
 * choice of layers (DESIGN §2) without the stores, which the caller picks (memory, or Redis in
 * tests about Redis). Exposes the Sandbox and the FaultInjector so tests can inspect and break things.
 */
export const sandboxFlows = (options: { readonly catalog?: Catalog; readonly faults?: ReadonlyArray<FaultRule> } = {}) =>
  Layer.mergeAll(CartFlowsLive, CheckoutFlowsLive, SuggestionsFlowLive).pipe(
    Layer.provideMerge(SandboxDownstreams),
    Layer.provideMerge(
      Layer.merge(Sandbox.make(options.catalog ?? demoCatalog), FaultInjector.make({ rules: options.faults ?? [] }))
    )
  )

/** One process's stores: the cart cache and lock, and the checkout workflow engine with its registry. */
export const MemoryStores = Layer.mergeAll(CartCache.layerMemory, CartLock.layerMemory, CheckoutEngineMemory)

export const SandboxFlowsInMemory = sandboxFlows().pipe(Layer.provideMerge(MemoryStores))
