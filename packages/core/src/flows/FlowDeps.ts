import type { Currency } from "../domain/Money.ts"
import type { CartService } from "../services/Cart.ts"
import type { CustomerService } from "../services/Customer.ts"
import type { InventoryService } from "../services/Inventory.ts"
import type { MarketingService } from "../services/Marketing.ts"
import type { PaymentService } from "../services/Payment.ts"
import type { ProductService } from "../services/Product.ts"
import type { SellerAdminService } from "../services/SellerAdmin.ts"
import type { ShippingService } from "../services/Shipping.ts"
import type { CartCache } from "../stores/CartCache.ts"

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
  /** The currency new carts are opened in. */
  readonly currency: Currency
}
