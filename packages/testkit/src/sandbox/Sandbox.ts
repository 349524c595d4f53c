import { Context, Effect, Layer } from "effect"
import { CartService } from "@orchestra/core/services/Cart"
import { CustomerService } from "@orchestra/core/services/Customer"
import { type Client, mapOperations } from "@orchestra/core/services/Downstream"
import { DownstreamFailure } from "@orchestra/core/services/DownstreamErrors"
import { EventService } from "@orchestra/core/services/Event"
import { InventoryService } from "@orchestra/core/services/Inventory"
import { LoyaltyService } from "@orchestra/core/services/Loyalty"
import { MarketingService } from "@orchestra/core/services/Marketing"
import { NotificationService } from "@orchestra/core/services/Notification"
import { OrderService } from "@orchestra/core/services/Order"
import { PaymentService } from "@orchestra/core/services/Payment"
import { ProductService } from "@orchestra/core/services/Product"
import { RecommendationsService } from "@orchestra/core/services/Recommendations"
import { SellerAdminService } from "@orchestra/core/services/SellerAdmin"
import { ShippingService } from "@orchestra/core/services/Shipping"
import type { HttpApiGroup } from "effect/http-api"
import { type Catalog, demoCatalog } from "../catalog/Catalog.ts"
import { applyFaults } from "../faults/applyFaults.ts"
import { FaultInjector } from "../faults/FaultInjector.ts"
import { makeCartSimulator } from "../simulators/CartSimulator.ts"
import { makeCustomerSimulator } from "../simulators/CustomerSimulator.ts"
import { makeEventSimulator } from "../simulators/EventSimulator.ts"
import { makeInventorySimulator } from "../simulators/InventorySimulator.ts"
import { makeLoyaltySimulator } from "../simulators/LoyaltySimulator.ts"
import { makeMarketingSimulator } from "../simulators/MarketingSimulator.ts"
import { makeNotificationSimulator } from "../simulators/NotificationSimulator.ts"
import { makeOrderSimulator } from "../simulators/OrderSimulator.ts"
import { makePaymentSimulator } from "../simulators/PaymentSimulator.ts"
import { makeProductSimulator } from "../simulators/ProductSimulator.ts"
import { makeRecommendationsSimulator } from "../simulators/RecommendationsSimulator.ts"
import { makeSellerAdminSimulator } from "../simulators/SellerAdminSimulator.ts"
import { makeShippingSimulator } from "../simulators/ShippingSimulator.ts"

const makeSimulators = (catalog: Catalog) =>
  Effect.all({
    cart: makeCartSimulator(catalog),
    product: makeProductSimulator(catalog),
    inventory: makeInventorySimulator(catalog),
    marketing: makeMarketingSimulator(catalog),
    sellerAdmin: makeSellerAdminSimulator(catalog),
    shipping: makeShippingSimulator(catalog),
    customer: makeCustomerSimulator(catalog),
    payment: makePaymentSimulator(catalog),
    order: makeOrderSimulator(catalog),
    loyalty: makeLoyaltySimulator(catalog),
    notification: makeNotificationSimulator(catalog),
    event: makeEventSimulator(catalog),
    recommendations: makeRecommendationsSimulator(catalog)
  })

export type Simulators = Effect.Success<ReturnType<typeof makeSimulators>>

/**
 * Every downstream service simulated in memory, sharing one catalog. Tests reach the simulators'
 * state through it (stock, wallets, orders) to check invariants after a run.
 */
export class Sandbox extends Context.Service<Sandbox, { readonly catalog: Catalog; readonly simulators: Simulators }>()(
  "orchestra/testkit/Sandbox"
) {
  static readonly make = (catalog: Catalog = demoCatalog) =>
    Layer.effect(
      Sandbox,
      Effect.map(makeSimulators(catalog), (simulators) => Sandbox.of({ catalog, simulators }))
    )

  static readonly layer = Sandbox.make()
}

/** A simulator's operations as a client: the injector's faults, then the simulator. */
const withFaults = <G extends HttpApiGroup.Constraint>(
  injector: FaultInjector["Service"],
  service: string,
  operations: unknown
): Client<G> =>
  mapOperations<G, DownstreamFailure>(operations, (endpoint, call) => (request) =>
    Effect.flatMap(injector.decide(service, endpoint), (faults) =>
      applyFaults(faults, Effect.suspend(() => call(request)), (status) =>
        Effect.fail(
          new DownstreamFailure({ service, endpoint, reason: "Status", status, message: `answered HTTP ${status} (injected)` })
        )
      )
    )
  )

/**
 * The sandbox choice of layers: every service tag served in-process by its simulator, with
 * fault injection. Needs a `Sandbox` and a `FaultInjector`.
 */
export const SandboxDownstreams = Layer.effectContext(
  Effect.gen(function* () {
    const { simulators: s } = yield* Sandbox
    const injector = yield* FaultInjector
    return Context.make(CartService, withFaults(injector, "cart", s.cart.operations)).pipe(
      Context.add(ProductService, withFaults(injector, "product", s.product.operations)),
      Context.add(InventoryService, withFaults(injector, "inventory", s.inventory.operations)),
      Context.add(MarketingService, withFaults(injector, "marketing", s.marketing.operations)),
      Context.add(SellerAdminService, withFaults(injector, "sellerAdmin", s.sellerAdmin.operations)),
      Context.add(ShippingService, withFaults(injector, "shipping", s.shipping.operations)),
      Context.add(CustomerService, withFaults(injector, "customer", s.customer.operations)),
      Context.add(PaymentService, withFaults(injector, "payment", s.payment.operations)),
      Context.add(OrderService, withFaults(injector, "order", s.order.operations)),
      Context.add(LoyaltyService, withFaults(injector, "loyalty", s.loyalty.operations)),
      Context.add(NotificationService, withFaults(injector, "notification", s.notification.operations)),
      Context.add(EventService, withFaults(injector, "event", s.event.operations)),
      Context.add(RecommendationsService, withFaults(injector, "recommendations", s.recommendations.operations))
    )
  })
)
