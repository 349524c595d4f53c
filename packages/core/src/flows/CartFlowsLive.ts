import { Effect, Layer } from "effect"
import { CurrencyConfig } from "../runtime/CurrencyConfig.ts"
import { CartService } from "../services/Cart.ts"
import { CustomerService } from "../services/Customer.ts"
import { InventoryService } from "../services/Inventory.ts"
import { MarketingService } from "../services/Marketing.ts"
import { PaymentService } from "../services/Payment.ts"
import { ProductService } from "../services/Product.ts"
import { SellerAdminService } from "../services/SellerAdmin.ts"
import { ShippingService } from "../services/Shipping.ts"
import { CartCache } from "../stores/CartCache.ts"
import { buyNow } from "./buyNow.ts"
import { CartFlows } from "./CartFlows.ts"
import { deleteCart } from "./deleteCart.ts"
import type { FlowDeps } from "./FlowDeps.ts"
import { getCached } from "./getCached.ts"
import { getFull } from "./getFull.ts"
import { itemsFull } from "./itemsFull.ts"
import { itemsLite } from "./itemsLite.ts"
import { makeSteps } from "./steps.ts"
import { updateOptions } from "./updateOptions.ts"

/** The real cart flows over whichever downstream layers and cart cache the environment chose. */
export const CartFlowsLive = Layer.effect(
  CartFlows,
  Effect.gen(function* () {
    const deps: FlowDeps = {
      cart: yield* CartService,
      product: yield* ProductService,
      inventory: yield* InventoryService,
      marketing: yield* MarketingService,
      sellerAdmin: yield* SellerAdminService,
      shipping: yield* ShippingService,
      customer: yield* CustomerService,
      payment: yield* PaymentService,
      cache: yield* CartCache,
      currency: yield* CurrencyConfig
    }
    const steps = makeSteps(deps)
    return CartFlows.of({
      itemsFull: itemsFull(steps),
      itemsLite: itemsLite(steps),
      updateOptions: updateOptions(steps),
      getFull: getFull(deps, steps),
      getCached: getCached(deps, steps),
      deleteCart: deleteCart(deps, steps),
      buyNow: buyNow(steps)
    })
  })
)
