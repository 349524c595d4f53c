import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { CartId, OrderId, StoreId } from "../domain/Ids.ts"
import { Currency } from "../domain/Money.ts"
import { Order, OrderStatus, OrderTotals, SubOrder } from "../domain/Order.ts"
import { OwnerRef } from "../domain/Owner.ts"
import { PaymentStatus } from "../domain/Payment.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceConflict, ResourceNotFound } from "./DownstreamErrors.ts"

export const SubOrdersCreated = Schema.Struct({ sub_orders: Schema.Array(SubOrder) })

export const OrderGroup = HttpApiGroup.make("order")
  .add(
    HttpApiEndpoint.post("createMaster", "/api/orders", {
      payload: Schema.Struct({
        idempotency_key: Schema.String,
        type: Schema.Literal("MASTER"),
        cart_id: CartId,
        ...OwnerRef.fields,
        currency: Currency,
        totals: OrderTotals
      }),
      success: Order
    })
  )
  .add(
    HttpApiEndpoint.post("createSubOrders", "/api/orders/:order_id/sub-orders", {
      params: { order_id: OrderId },
      payload: Schema.Struct({
        idempotency_key: Schema.String,
        sub_orders: Schema.Array(Schema.Struct({ store_id: StoreId, totals: OrderTotals }))
      }),
      success: SubOrdersCreated,
      // The order service refuses sub-orders whose totals do not add up to the master's.
      error: [ResourceNotFound, ResourceConflict]
    })
  )
  .add(
    HttpApiEndpoint.put("setPaymentStatus", "/api/orders/:order_id/payment-status", {
      params: { order_id: OrderId },
      payload: Schema.Struct({ payment_status: PaymentStatus, order_status: Schema.optionalKey(OrderStatus) }),
      success: Order,
      error: ResourceNotFound
    })
  )
  // Not in the seed: the saga's compensation cancels the master and its sub-orders.
  .add(
    HttpApiEndpoint.post("cancel", "/api/orders/:order_id/cancel", {
      params: { order_id: OrderId },
      payload: Schema.Struct({ reason: Schema.String }),
      success: Order,
      error: ResourceNotFound
    })
  )

export const OrderApi = HttpApi.make("order").add(OrderGroup)

export class OrderService extends Context.Service<OrderService, Client<typeof OrderGroup>>()("orchestra/OrderService") {
  static readonly layer = liveLayer(OrderService, OrderApi, "order")
}
