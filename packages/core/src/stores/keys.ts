// Every key carries a Redis Cluster hash tag in braces, so any script touching the keys of one
// cart/scope/order lands on a single slot and never fails with CROSSSLOT.
const limitPrefix = (name: string) => `limit:${name}`
const limitSubject = (subject: string) => `{${subject}}`

export const keys = {
  cartComputed: (cartId: string) => `cart:{${cartId}}:computed`,
  /** The computed-cart cache's current epoch (CartCache): one key for every instance. */
  cacheEpoch: "cache-epoch:{cart-cache}",
  ownerCart: (ownerKey: string) => `owner:{${ownerKey}}:cart`,
  /** A guest's cart has nothing to merge on sign-in (issue 15); the value is the cache epoch it was seen in. */
  guestSettled: (ownerKey: string) => `guest-settled:{${ownerKey}}`,
  lock: (scope: string) => `lock:{${scope}}`,
  /** The last fencing token granted for the scope; beside its lock, in the same slot. */
  lockFence: (scope: string) => `lock:{${scope}}:fence`,
  idempotency: (scope: string, key: string) => `idem:{${scope}}:${key}`,
  saga: (orderId: string) => `saga:{${orderId}}`,
  sagaByGateway: (gatewayOrderId: string) => `saga-gw:{${gatewayOrderId}}`,
  webhookEvent: (eventId: string) => `webhook-event:{${eventId}}`,
  /**
   * One abuse limit's counter for one subject (an owner, a wallet). `rate-limiter-flexible` builds it
   * as `<keyPrefix>:<key>`, from `limitPrefix(name)` and `limitSubject(subject)`.
   */
  limit: (name: string, subject: string) => `${limitPrefix(name)}:${limitSubject(subject)}`,
  limitPrefix,
  limitSubject
}
