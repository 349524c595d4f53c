import { Effect, Option } from "effect"
import type { Currency } from "../domain/Money.ts"
import { AbuseLimits, noAbuseLimits } from "../limits/AbuseLimits.ts"
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

/** What the cart flows call, resolved once when the flows layer is built. */
export interface FlowDeps {
  readonly cart: CartService["Service"]
  readonly product: ProductService["Service"]
  readonly inventory: InventoryService["Service"]
  readonly marketing: MarketingService["Service"]
  readonly sellerAdmin: SellerAdminService["Service"]
  readonly shipping: ShippingService["Service"]
  readonly customer: CustomerService["Service"]
  readonly payment: PaymentService["Service"]
  readonly cache: CartCache["Service"]
  /** The abuse limits the server provides with its stores; none where no one does (simulations, flow tests). */
  readonly limits: AbuseLimits["Service"]
  /** The currency new carts are opened in. */
  readonly currency: Currency
}

/** Resolves the cart flows' services once, when a flows layer is built. */
export const resolveFlowDeps = Effect.gen(function* () {
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
    limits: Option.getOrElse(yield* Effect.serviceOption(AbuseLimits), () => noAbuseLimits),
    currency: yield* CurrencyConfig
  }
  return deps
})
