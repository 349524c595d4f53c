import type { FlowDeps } from "../flows/FlowDeps.ts"
import type { EventService } from "../services/Event.ts"
import type { LoyaltyService } from "../services/Loyalty.ts"
import type { NotificationService } from "../services/Notification.ts"
import type { OrderService } from "../services/Order.ts"
import type { CartLock } from "../stores/CartLock.ts"
import type { CheckoutRegistry } from "../stores/CheckoutRegistry.ts"

/** The cart flows' services plus what turns a cart into an order, and the saga's registry. */
export interface CheckoutDeps extends FlowDeps {
  readonly order: OrderService["Service"]
  readonly loyalty: LoyaltyService["Service"]
  readonly notification: NotificationService["Service"]
  readonly event: EventService["Service"]
  readonly registry: CheckoutRegistry["Service"]
  /** Phase 2 takes the ordered lines out of the cart under its lock. */
  readonly lock: CartLock["Service"]
}
