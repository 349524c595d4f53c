// Every key carries a Redis Cluster hash tag in braces, so any script touching the keys of one
// cart/scope/order lands on a single slot and never fails with CROSSSLOT.
export const keys = {
  cartComputed: (cartId: string) => `cart:{${cartId}}:computed`,
  ownerCart: (ownerKey: string) => `owner:{${ownerKey}}:cart`,
  lock: (scope: string) => `lock:{${scope}}`,
  idempotency: (scope: string, key: string) => `idem:{${scope}}:${key}`,
  saga: (orderId: string) => `saga:{${orderId}}`,
  sagaByGateway: (gatewayOrderId: string) => `saga-gw:{${gatewayOrderId}}`,
  webhookEvent: (eventId: string) => `webhook-event:{${eventId}}`
}
