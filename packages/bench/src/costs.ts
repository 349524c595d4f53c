import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import { CustomerId, DomainId } from "@orchestra/core/domain/Ids"
import { Currency } from "@orchestra/core/domain/Money"
import { ResilienceLive } from "@orchestra/core/resilience/ResilienceConfig"
import { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { runStep } from "@orchestra/core/runtime/StepRunner"
import { CartService } from "@orchestra/core/services/Cart"
import { EventService } from "@orchestra/core/services/Event"
import { InventoryService } from "@orchestra/core/services/Inventory"
import { MarketingService } from "@orchestra/core/services/Marketing"
import { NotificationService } from "@orchestra/core/services/Notification"
import { OrderService } from "@orchestra/core/services/Order"
import { PaymentService } from "@orchestra/core/services/Payment"
import { ProductService } from "@orchestra/core/services/Product"
import { SellerAdminService } from "@orchestra/core/services/SellerAdmin"
import { ShippingService } from "@orchestra/core/services/Shipping"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { sandboxDownstreams } from "@orchestra/http/server/Downstreams"
import { Sandbox } from "@orchestra/testkit/sandbox/Sandbox"
import { Context, Effect, Layer, Schema, Scope } from "effect"
import { fromClient } from "./baseline/downstreams.ts"
import { makeFlows } from "./baseline/flows.ts"
import { memoryCartCache, memorySagas } from "./baseline/stores.ts"
import { benchSandbox } from "./seed.ts"

/**
 * `node src/costs.ts [iterations]`: CPU time per call, without HTTP, of (1) one step through the
 * step runner against a plain Effect, and (2) the full and the cached GET flows over the
 * in-process simulators, ours against the baseline's. CPU time (process.cpuUsage), not wall time, so other load on the
 * machine matters little; each figure is the best of four rounds after a warm-up round. The
 * numbers to compare before and after a change to the step runner, resilience or telemetry.
 */
const iterations = Number(process.argv[2] ?? 5_000)

const cpuPerCall = async (label: string, call: () => Promise<unknown>) => {
  const rounds: Array<number> = []
  for (let round = 0; round < 5; round++) {
    const before = process.cpuUsage()
    for (let i = 0; i < iterations; i++) await call()
    const used = process.cpuUsage(before)
    if (round > 0) rounds.push((used.user + used.system) / iterations)
  }
  process.stdout.write(`${label.padEnd(44)} ${Math.min(...rounds).toFixed(1).padStart(8)} µs CPU per call\n`)
}

const plan = [
  { prefix: "o_g20_", count: 1, lines: 20, owner: "customer" as const, pickup: false },
  { prefix: "b_g20_", count: 1, lines: 20, owner: "customer" as const, pickup: false }
]
const built = await Effect.runPromise(
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const memoMap = Layer.makeMemoMapUnsafe()
    yield* memoMap.getOrElseMemoize(Sandbox.layer, scope, (mm, sc) => Layer.buildWithMemoMap(benchSandbox(plan), mm, sc))
    const downstreams = yield* Layer.buildWithMemoMap(sandboxDownstreams([]), memoMap, scope)
    const flows = CartFlowsLive.pipe(Layer.provide(sandboxDownstreams([])), Layer.provide(CartCache.layerMemory), Layer.provide(ResilienceLive))
    // ResilienceLive reads its settings from the environment; none are set here, so the defaults apply.
    const ours = yield* Layer.buildWithMemoMap(flows as Layer.Layer<CartFlows>, memoMap, scope)
    const resilience = yield* Layer.buildWithMemoMap(ResilienceLive as Layer.Layer<never>, memoMap, scope)
    return { downstreams, ours: Context.get(ours, CartFlows), resilience }
  })
)

const withContext = <A, E>(effect: Effect.Effect<A, E, RequestContext>) =>
  Effect.runPromise(
    Effect.flatMap(RequestContext.make({ requestId: "cost", deadlineMs: 5_000 }), (context) =>
      Effect.provideService(effect, RequestContext, context)
    ).pipe(Effect.provide(built.resilience), Effect.orDie)
  )

await cpuPerCall("plain Effect.succeed", () => withContext(Effect.succeed(1)))
await cpuPerCall("runStep(read, Effect.succeed)", () => withContext(runStep({ name: "cart.find", kind: "read" }, Effect.succeed(1))))

const owner = (id: string) => ({ _tag: "Customer" as const, domainId: DomainId.make("dom_bench"), customerId: CustomerId.make(id) })
await cpuPerCall("ours: getFull, 20 lines, in-process", () => withContext(built.ours.getFull({ owner: owner("o_g20_0"), cartType: "DEFAULT" })))

const d = built.downstreams
const baseline = makeFlows({
  cart: fromClient(Context.get(d, CartService)),
  product: fromClient(Context.get(d, ProductService)),
  inventory: fromClient(Context.get(d, InventoryService)),
  marketing: fromClient(Context.get(d, MarketingService)),
  sellerAdmin: fromClient(Context.get(d, SellerAdminService)),
  shipping: fromClient(Context.get(d, ShippingService)),
  order: fromClient(Context.get(d, OrderService)),
  payment: fromClient(Context.get(d, PaymentService)),
  notification: fromClient(Context.get(d, NotificationService)),
  event: fromClient(Context.get(d, EventService)),
  cache: memoryCartCache(),
  sagas: memorySagas(),
  currency: Schema.decodeUnknownSync(Currency)("INR")
})
await cpuPerCall("baseline: getFull, 20 lines, in-process", () =>
  baseline.getFull({ requestId: "cost", warnings: [] }, { owner: owner("b_g20_0"), cartType: "DEFAULT" })
)
await cpuPerCall("ours: getCached, 20 lines, in-process", () => withContext(built.ours.getCached({ owner: owner("o_g20_0"), cartType: "DEFAULT" })))
await cpuPerCall("baseline: getCached, 20 lines, in-process", () =>
  baseline.getCached({ requestId: "cost", warnings: [] }, { owner: owner("b_g20_0"), cartType: "DEFAULT" })
)
