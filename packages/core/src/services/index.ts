import { Layer } from "effect"
import { CartService } from "./Cart.ts"
import { CustomerService } from "./Customer.ts"
import { EventService } from "./Event.ts"
import { InventoryService } from "./Inventory.ts"
import { LoyaltyService } from "./Loyalty.ts"
import { MarketingService } from "./Marketing.ts"
import { NotificationService } from "./Notification.ts"
import { OrderService } from "./Order.ts"
import { PaymentService } from "./Payment.ts"
import { ProductService } from "./Product.ts"
import { RecommendationsService } from "./Recommendations.ts"
import { SellerAdminService } from "./SellerAdmin.ts"
import { ShippingService } from "./Shipping.ts"

/** Every downstream service over HTTP: production's choice of layers for the flows. */
export const LiveDownstreams = Layer.mergeAll(
  CartService.layer,
  ProductService.layer,
  InventoryService.layer,
  MarketingService.layer,
  SellerAdminService.layer,
  ShippingService.layer,
  CustomerService.layer,
  PaymentService.layer,
  OrderService.layer,
  LoyaltyService.layer,
  NotificationService.layer,
  EventService.layer,
  RecommendationsService.layer
)

export type Downstreams =
  | CartService
  | ProductService
  | InventoryService
  | MarketingService
  | SellerAdminService
  | ShippingService
  | CustomerService
  | PaymentService
  | OrderService
  | LoyaltyService
  | NotificationService
  | EventService
  | RecommendationsService

/** The service keys, as the trace and the `*_SERVICE_URL` variables name them. */
export const downstreamServices = [
  "cart",
  "product",
  "inventory",
  "marketing",
  "sellerAdmin",
  "shipping",
  "customer",
  "payment",
  "order",
  "loyalty",
  "notification",
  "event",
  "recommendations"
] as const
export type DownstreamServiceName = (typeof downstreamServices)[number]
