import { Data, Effect } from "effect"
import * as Ids from "@orchestra/core/domain/Ids"
import { Currency, minor } from "@orchestra/core/domain/Money"
import { CartService } from "@orchestra/core/services/Cart"
import { CustomerService } from "@orchestra/core/services/Customer"
import { EventService } from "@orchestra/core/services/Event"
import type { Downstreams } from "@orchestra/core/services/index"
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

/** A downstream answer that breaks the contract or the demo catalog's documented data. */
export class ContractViolation extends Data.TaggedError("ContractViolation")<{
  readonly step: string
  readonly message: string
}> {}

export interface ContractCheck {
  /** `service.endpoint`, as the trace names the step. */
  readonly step: string
  readonly run: Effect.Effect<void, unknown, Downstreams>
}

const expect = (step: string, condition: boolean, message: string) =>
  condition ? Effect.void : Effect.fail(new ContractViolation({ step, message }))

/** The declared error a refusal must come back as: its tag, not a generic failure. */
const expectRefusal = <A, E extends { readonly _tag: string }, R>(
  step: string,
  call: Effect.Effect<A, E, R>,
  tag: string
) =>
  Effect.flatMap(Effect.flip(call), (error) =>
    expect(step, error._tag === tag, `expected ${tag}, got ${error._tag}`)
  ).pipe(
    Effect.catchCause(() => Effect.fail(new ContractViolation({ step, message: `expected ${tag}, the call succeeded` })))
  )

/** A cart's lines as `product×quantity`, sorted: what a check compares. */
const quantities = (items: ReadonlyArray<{ readonly product_id: string; readonly quantity: number }>) =>
  items.map((line) => `${line.product_id}×${line.quantity}`).sort().join(",")

const domain_id = Ids.DomainId.make("dom_demo")
const customer_id = Ids.CustomerId.make("cust_1")
const INR = Currency.make("INR")
const phone = Ids.ProductId.make("prod_phone")
const caseId = Ids.ProductId.make("prod_case")
const store123 = Ids.StoreId.make("store_123")
const store456 = Ids.StoreId.make("store_456")

/**
 * One call to every endpoint of every downstream contract, with the demo catalog's documented
 * answers. The sandbox runs them in CI through the live HTTP clients; a provider team can run
 * them against its own service seeded with the demo catalog.
 */
export const contractChecks: ReadonlyArray<ContractCheck> = [
  {
    step: "cart.findOrCreate … cart.remove",
    run: Effect.gen(function* () {
      const cart = yield* CartService
      const key = { domain_id, customer_id: Ids.CustomerId.make(`contract_${Date.now()}`), cart_type: "DEFAULT" as const }
      const created = yield* cart.findOrCreate({ payload: { ...key, currency: INR } })
      const again = yield* cart.findOrCreate({ payload: { ...key, currency: INR } })
      yield* expect("cart.findOrCreate", created.cart_id === again.cart_id, "find-or-create twice gave two carts")
      const found = yield* cart.find({ payload: key })
      yield* expect("cart.find", found.cart_id === created.cart_id, "find did not return the owner's cart")
      const batch = yield* cart.applyBatch({
        params: { cart_id: created.cart_id },
        payload: {
          operations: [
            { op: "ADD", index: 0, product_id: phone, variant_id: Ids.VariantId.make("var_128gb"), quantity: 1 },
            { op: "SET", index: 1, product_id: caseId, quantity: 2 },
            { op: "DELETE", index: 2, item_id: Ids.ItemId.make("item_missing") }
          ]
        }
      })
      yield* expect(
        "cart.applyBatch",
        batch.results.map((r) => `${r.index}:${r.status}:${r.code ?? r.action_taken}`).join(",") ===
          "0:SUCCESS:ADDED,1:SUCCESS:ADDED,2:FAILED:ITEM_NOT_FOUND",
        `unexpected results ${JSON.stringify(batch.results)}`
      )
      yield* expect("cart.applyBatch", batch.cart.version > created.version, "a change did not bump the version")
      const products = yield* (yield* ProductService).search({ query: { product_ids: [phone, caseId] } })
      const promotions = yield* (yield* MarketingService).promotionsApplicable({
        payload: { product_ids: [phone, caseId] }
      })
      const tax = yield* (yield* SellerAdminService).taxSettings({ params: { domain_id, store_id: store123 } })
      const computed = yield* cart.compute({
        params: { cart_id: created.cart_id },
        payload: {
          products: products.products,
          promotions: promotions.promotions,
          coupons: [],
          tax_settings: [tax],
          delivery_charges: []
        }
      })
      yield* expect(
        "cart.compute",
        computed.totals.subtotal === 2_059_700 &&
          computed.totals.discount === -5_980 &&
          computed.totals.tax === 102_686 &&
          computed.totals.net_payable === 2_156_406 &&
          computed.computed,
        `phone + 2 cases should net 21564.06, got ${JSON.stringify(computed.totals)}`
      )
      const withOptions = yield* cart.updateOptions({
        params: { cart_id: created.cart_id },
        payload: { options: { special_instructions: { instructions: "Leave at the door" } } }
      })
      yield* expect(
        "cart.updateOptions",
        withOptions.special_instructions?.instructions === "Leave at the door" && !withOptions.computed,
        "options not stored, or the cart still claims to be computed"
      )
      const removed = yield* cart.remove({ params: { cart_id: created.cart_id } })
      yield* expect("cart.remove", removed.deleted, "cart not deleted")
      yield* expectRefusal("cart.find", cart.find({ payload: key }), "ResourceNotFound")
    })
  },
  {
    step: "cart writes: idempotency keys, fencing tokens, versioned compute, removeLines",
    run: Effect.gen(function* () {
      const cart = yield* CartService
      const key = { domain_id, customer_id: Ids.CustomerId.make(`contract_guard_${Date.now()}`), cart_type: "DEFAULT" as const }
      const created = yield* cart.findOrCreate({ payload: { ...key, currency: INR } })
      const cart_id = created.cart_id
      const addCase = { op: "ADD" as const, index: 0, product_id: caseId, quantity: 1 }

      // A write already applied under its key answers again, applying nothing.
      const first = yield* cart.applyBatch({ params: { cart_id }, payload: { operations: [addCase], idempotency_key: "contract-add-1" } })
      const again = yield* cart.applyBatch({ params: { cart_id }, payload: { operations: [addCase], idempotency_key: "contract-add-1" } })
      yield* expect(
        "cart.applyBatch",
        again.cart.version === first.cart.version && again.cart.items[0]?.quantity === 1,
        `a keyed batch sent twice applied twice: ${JSON.stringify(again.cart.items)}`
      )
      yield* expect("cart.applyBatch", again.results[0]?.action_taken === "ADDED", "a replayed batch must answer its first results")

      // A fencing token older than the last one accepted is refused, and changes nothing.
      yield* cart.updateOptions({ params: { cart_id }, payload: { options: { special_instructions: { instructions: "fence 7" } }, fence: 7 } })
      const stale = yield* Effect.flip(
        cart.applyBatch({ params: { cart_id }, payload: { operations: [addCase], fence: 6 } })
      ).pipe(Effect.catchCause(() => Effect.fail(new ContractViolation({ step: "cart.applyBatch", message: "a stale fencing token was accepted" }))))
      yield* expect(
        "cart.applyBatch",
        stale._tag === "ResourceConflict" && stale.reason === "STALE_FENCE",
        `expected 409 STALE_FENCE, got ${stale._tag}`
      )
      const fenced = yield* cart.applyBatch({ params: { cart_id }, payload: { operations: [addCase], fence: 7 } })
      yield* expect("cart.applyBatch", fenced.cart.items[0]?.quantity === 2, "the current fencing token must be accepted")

      // A compute for a version the cart is no longer at is refused.
      const outdated = yield* Effect.flip(
        cart.compute({ params: { cart_id }, payload: { version: fenced.cart.version - 1 } })
      ).pipe(Effect.catchCause(() => Effect.fail(new ContractViolation({ step: "cart.compute", message: "a compute for an old version was accepted" }))))
      yield* expect(
        "cart.compute",
        outdated._tag === "ResourceConflict" && outdated.reason === "VERSION_CHANGED",
        `expected 409 VERSION_CHANGED, got ${outdated._tag}`
      )
      const current = yield* cart.compute({ params: { cart_id }, payload: { version: fenced.cart.version } })
      yield* expect("cart.compute", current.computed && current.computed_version === fenced.cart.version, "a compute at the cart's version must compute")

      // The order had 1 case; the customer added a second one and a screen protector while paying.
      const caseLine = fenced.cart.items[0]!
      const later = yield* cart.applyBatch({
        params: { cart_id },
        payload: { operations: [{ op: "ADD", index: 0, product_id: Ids.ProductId.make("prod_screen"), quantity: 1 }] }
      })
      const taken = yield* cart.removeLines({
        params: { cart_id },
        payload: { lines: [{ item_id: caseLine.item_id, quantity: 1 }], idempotency_key: "contract-order-1" }
      })
      const retaken = yield* cart.removeLines({
        params: { cart_id },
        payload: { lines: [{ item_id: caseLine.item_id, quantity: 1 }], idempotency_key: "contract-order-1" }
      })
      yield* expect(
        "cart.removeLines",
        quantities(taken.cart?.items ?? []) === "prod_case×1,prod_screen×1" && taken.reduced[0] === caseLine.item_id,
        `the line that grew keeps the difference and the later line stays: ${JSON.stringify(taken)}`
      )
      yield* expect(
        "cart.removeLines",
        quantities(retaken.cart?.items ?? []) === "prod_case×1,prod_screen×1" && (taken.cart?.version ?? 0) > later.cart.version,
        `a keyed removal sent twice removed twice: ${JSON.stringify(retaken)}`
      )
      const emptied = yield* cart.removeLines({
        params: { cart_id },
        payload: { lines: (taken.cart?.items ?? []).map((line) => ({ item_id: line.item_id, quantity: line.quantity })) }
      })
      yield* expect("cart.removeLines", emptied.cart === undefined && emptied.removed.length === 2, "a cart left without lines must be deleted")
      yield* expectRefusal("cart.find", cart.find({ payload: key }), "ResourceNotFound")

      // A keyed removal answers again after the cart is gone.
      const other = yield* cart.findOrCreate({ payload: { ...key, currency: INR } })
      yield* cart.remove({ params: { cart_id: other.cart_id }, payload: { idempotency_key: "contract-delete-1", fence: 1 } })
      const removedAgain = yield* cart.remove({ params: { cart_id: other.cart_id }, payload: { idempotency_key: "contract-delete-1", fence: 1 } })
      yield* expect("cart.remove", removedAgain.deleted, "a keyed removal sent again must answer it again")
    })
  },
  {
    step: "cart.merge: a guest cart into a customer's, atomic and keyed",
    run: Effect.gen(function* () {
      const cart = yield* CartService
      const stamp = Date.now()
      const customerKey = { domain_id, customer_id: Ids.CustomerId.make(`contract_merge_${stamp}`), cart_type: "DEFAULT" as const }
      const guestKey = { domain_id, session_id: Ids.SessionId.make(`contract_merge_${stamp}`), cart_type: "DEFAULT" as const }
      const target = yield* cart.findOrCreate({ payload: { ...customerKey, currency: INR } })
      const guest = yield* cart.findOrCreate({ payload: { ...guestKey, currency: INR } })
      yield* cart.applyBatch({ params: { cart_id: target.cart_id }, payload: { operations: [{ op: "ADD", product_id: caseId, quantity: 1, index: 0 }] } })
      yield* cart.applyBatch({ params: { cart_id: guest.cart_id }, payload: { operations: [{ op: "ADD", product_id: caseId, quantity: 2, index: 0 }] } })
      const merge = {
        params: { cart_id: target.cart_id },
        payload: {
          source_cart_id: guest.cart_id,
          operations: [
            { op: "ADD" as const, product_id: caseId, quantity: 2, index: 0 },
            { op: "ADD" as const, product_id: Ids.ProductId.make("prod_screen"), quantity: 1, index: 1 }
          ],
          coupons: [{ code: Ids.CouponCode.make("SAVE20") }],
          idempotency_key: `contract-merge-${stamp}`
        }
      }
      const merged = yield* cart.merge(merge)
      yield* expect(
        "cart.merge",
        quantities(merged.cart.items) === "prod_case×3,prod_screen×1" && merged.results.every((r) => r.status === "SUCCESS"),
        `the operations were not applied in one go: ${JSON.stringify(merged.cart.items)}`
      )
      yield* expect("cart.merge", (merged.cart.coupons ?? []).some((c) => c.code === "SAVE20"), "the coupons sent were not added")
      yield* expectRefusal("cart.find", cart.find({ payload: guestKey }), "ResourceNotFound")
      // Sent again with its key (its first reply lost): the first answer, nothing merged twice.
      const again = yield* cart.merge(merge)
      yield* expect(
        "cart.merge",
        quantities(again.cart.items) === "prod_case×3,prod_screen×1" && again.cart.version === merged.cart.version && again.results.length === 2,
        `a keyed merge sent twice merged twice: ${JSON.stringify(again.cart.items)}`
      )
      // Without its key, a merge of a guest cart that is gone is refused.
      yield* expectRefusal("cart.merge", cart.merge({ ...merge, payload: { ...merge.payload, idempotency_key: `contract-merge-other-${stamp}` } }), "ResourceNotFound")
    })
  },
  {
    step: "product.search, product.searchMany",
    run: Effect.gen(function* () {
      const product = yield* ProductService
      const byQuery = yield* product.search({ query: { product_ids: [phone, Ids.ProductId.make("prod_nope")] } })
      yield* expect("product.search", byQuery.products.length === 1, "unknown ids must be absent, known ones present")
      yield* expect(
        "product.search",
        byQuery.products[0]?.variants?.find((v) => v.variant_id === "var_128gb")?.price === 1_999_900,
        "phone 128 GB should cost 19999.00"
      )
      const byBody = yield* product.searchMany({ payload: { product_ids: [caseId, phone] } })
      yield* expect("product.searchMany", byBody.products.length === 2, "both products expected")
    })
  },
  {
    step: "inventory.*",
    run: Effect.gen(function* () {
      const inventory = yield* InventoryService
      const mug = Ids.ProductId.make("prod_mug")
      const check = yield* inventory.checkAvailability({ payload: { items: [{ product_id: mug, quantity: 3 }] } })
      yield* expect(
        "inventory.checkAvailability",
        check.items[0]?.available === false && check.items[0]?.quantity_available === 2,
        "3 mugs of a stock of 2 must be unavailable with 2 left"
      )
      const cart_id = Ids.CartId.make(`contract_cart_${Date.now()}`)
      const reservation = yield* inventory.reserve({
        payload: { idempotency_key: `${cart_id}:reserve`, cart_id, items: [{ product_id: caseId, quantity: 1 }], ttl_seconds: 900 }
      })
      yield* expectRefusal(
        "inventory.reserve",
        inventory.reserve({
          payload: { idempotency_key: `${cart_id}:too-many`, cart_id, items: [{ product_id: mug, quantity: 3 }], ttl_seconds: 900 }
        }),
        "ResourceConflict"
      )
      const deducted = yield* inventory.deduct({
        payload: { idempotency_key: `${cart_id}:deduct`, reservation_id: reservation.reservation_id }
      })
      yield* expect("inventory.deduct", deducted.deducted, "reservation not deducted")
      const released = yield* inventory.releaseReservations({ payload: { cart_id } })
      yield* expect("inventory.releaseReservations", released.released === 0, "a deducted reservation is not released")
    })
  },
  {
    step: "marketing.*",
    run: Effect.gen(function* () {
      const marketing = yield* MarketingService
      const promos = yield* marketing.promotionsApplicable({ payload: { product_ids: [phone] } })
      yield* expect(
        "marketing.promotionsApplicable",
        promos.promotions.some((p) => p.promotion_id === "promo_combo_case"),
        "the phone + case combo must apply with a phone"
      )
      const coupons = yield* marketing.validateCoupons({
        payload: { codes: [Ids.CouponCode.make("SAVE20"), Ids.CouponCode.make("EXPIRED10")], customer_id, subtotal: minor(184_800) }
      })
      yield* expect(
        "marketing.validateCoupons",
        coupons.coupons[0]?.valid === true && coupons.coupons[0]?.discount === -20_000 && coupons.coupons[1]?.reason === "EXPIRED",
        `SAVE20 on 1848.00 is −200.00 and EXPIRED10 expired, got ${JSON.stringify(coupons.coupons)}`
      )
      const used = yield* marketing.markCouponsUsed({
        payload: {
          idempotency_key: `contract_${Date.now()}`,
          codes: [Ids.CouponCode.make("FLAT50")],
          customer_id,
          order_id: Ids.OrderId.make("ord_contract")
        }
      })
      yield* expect("marketing.markCouponsUsed", used.used.length === 1, "FLAT50 not marked used")
      const bundles = yield* marketing.bundlesApplicable({ payload: { product_ids: [phone] } })
      yield* expect(
        "marketing.bundlesApplicable",
        bundles.bundles[0]?.bundle_id === "bundle_123" && bundles.bundles[0]?.bundle_price === 139_900,
        "bundle_123 at 1399.00 applies with a phone"
      )
      const offers = yield* marketing.thresholdOffers({ payload: { current_amount: minor(14_900) } })
      yield* expect(
        "marketing.thresholdOffers",
        offers.offers.some((o) => o.benefit === "FREE_DELIVERY" && o.target_amount === 59_900),
        "free delivery above 599.00 must be offered below it"
      )
    })
  },
  {
    step: "sellerAdmin.*",
    run: Effect.gen(function* () {
      const admin = yield* SellerAdminService
      const status = yield* admin.storeStatus({ params: { domain_id, store_id: Ids.StoreId.make("store_789") } })
      yield* expect("sellerAdmin.storeStatus", status.active && !status.online, "store_789 is active but offline")
      const tax = yield* admin.taxSettings({ params: { domain_id, store_id: store456 } })
      yield* expect("sellerAdmin.taxSettings", tax.mode === "INCLUSIVE" && tax.rate === 1_200, "store_456 is 12 % inclusive")
      const delivery = yield* admin.deliveryOption({ params: { id: Ids.DeliveryOptionId.make("deliv_opt_123") } })
      yield* expect("sellerAdmin.deliveryOption", delivery.charge_per_store === 5_000 && delivery.slots.length === 2, "standard delivery: 50.00, two slots")
      const pickup = yield* admin.pickupPoint({ params: { id: Ids.PickupPointId.make("pickup_closed") } })
      yield* expect("sellerAdmin.pickupPoint", !pickup.active, "pickup_closed is inactive")
      const wrap = yield* admin.giftWrapOption({ params: { id: Ids.GiftWrapId.make("gift_wrap_standard") } })
      yield* expect("sellerAdmin.giftWrapOption", wrap.price === 2_500, "standard wrap costs 25.00")
      yield* expectRefusal(
        "sellerAdmin.deliveryOption",
        admin.deliveryOption({ params: { id: Ids.DeliveryOptionId.make("deliv_nope") } }),
        "ResourceNotFound"
      )
    })
  },
  {
    step: "shipping.calculateRate",
    run: Effect.gen(function* () {
      const rate = yield* (yield* ShippingService).calculateRate({
        payload: { delivery_option_id: Ids.DeliveryOptionId.make("deliv_opt_express"), store_ids: [store123, store456] }
      })
      yield* expect("shipping.calculateRate", rate.total === 19_800 && rate.charges.length === 2, "express for two stores is 198.00")
    })
  },
  {
    step: "customer.address",
    run: Effect.gen(function* () {
      const address = yield* (yield* CustomerService).address({ params: { address_id: Ids.AddressId.make("addr_456") } })
      yield* expect("customer.address", address.customer_id === "cust_1" && address.serviceable, "addr_456 belongs to cust_1")
    })
  },
  {
    step: "payment.*",
    run: Effect.gen(function* () {
      const payment = yield* PaymentService
      const method = yield* payment.paymentMethod({ params: { id: Ids.PaymentMethodId.make("pay_method_789") } })
      yield* expect("payment.paymentMethod", method.active, "pay_method_789 is active")
      const key = `contract_${Date.now()}`
      const order_id = Ids.OrderId.make("ord_contract")
      const gateway = yield* payment.initiate({
        payload: { idempotency_key: `${key}:gw`, order_id, customer_id, amount: minor(15_000), currency: INR, payment_mode: "GATEWAY", gateway: "PHONEPE" }
      })
      yield* expect(
        "payment.initiate",
        gateway.status === "PENDING" && gateway.redirect_url !== undefined && gateway.gateway_order_id !== undefined,
        "a gateway payment is PENDING with a redirect URL and a gateway order id"
      )
      const wallet = yield* payment.initiate({
        payload: {
          idempotency_key: `${key}:wallet`,
          order_id,
          customer_id,
          amount: minor(100),
          currency: INR,
          payment_mode: "WALLET",
          gateway: "STORE-WALLET",
          meta: { wallet_id: Ids.WalletId.make("wal_1"), otp: "123456" }
        }
      })
      yield* expect("payment.initiate", wallet.status === "SUCCESS", "a wallet debit succeeds at once")
      const status = yield* payment.status({ params: { payment_id: gateway.payment_id } })
      yield* expect(
        "payment.status",
        status.payment_id === gateway.payment_id && status.status === "PENDING",
        "a gateway payment nobody paid yet is still PENDING when asked"
      )
      const refunded = yield* payment.refund({ params: { payment_id: wallet.payment_id }, payload: { idempotency_key: `${key}:refund` } })
      yield* expect("payment.refund", refunded.status === "REFUNDED", "the wallet debit is refunded")
    })
  },
  {
    step: "order.*",
    run: Effect.gen(function* () {
      const order = yield* OrderService
      const key = `contract_${Date.now()}`
      const totals = { subtotal: minor(1_000), discount: minor(0), tax: minor(50), delivery_charge: minor(0), tips: minor(0), gift_wrap: minor(0) }
      const master = yield* order.createMaster({
        payload: {
          idempotency_key: key,
          type: "MASTER",
          cart_id: Ids.CartId.make("cart_contract"),
          domain_id,
          customer_id,
          currency: INR,
          totals: { ...totals, subtotal: minor(2_000), tax: minor(100), total: minor(2_100) }
        }
      })
      yield* expect("order.createMaster", master.order_status === "PENDING" && master.total === 2_100, "a PENDING master of 21.00")
      const subs = yield* order.createSubOrders({
        params: { order_id: master.id },
        payload: {
          idempotency_key: `${key}:subs`,
          sub_orders: [
            { store_id: store123, totals: { ...totals, total: minor(1_050) } },
            { store_id: store456, totals: { ...totals, total: minor(1_050) } }
          ]
        }
      })
      yield* expect("order.createSubOrders", subs.sub_orders.length === 2, "two sub-orders")
      const paid = yield* order.setPaymentStatus({ params: { order_id: master.id }, payload: { payment_status: "PENDING" } })
      yield* expect("order.setPaymentStatus", paid.payment_status === "PENDING", "payment status set")
      const cancelled = yield* order.cancel({ params: { order_id: master.id }, payload: { reason: "contract check" } })
      yield* expect("order.cancel", cancelled.order_status === "CANCELLED", "order cancelled")
    })
  },
  {
    step: "loyalty.*",
    run: Effect.gen(function* () {
      const loyalty = yield* LoyaltyService
      const customer = Ids.CustomerId.make("cust_1")
      const account = yield* loyalty.account({ params: { customer_id: customer } })
      yield* expect("loyalty.account", account.point_value === 25, "a point is worth 0.25")
      const key = `contract_${Date.now()}`
      const order_id = Ids.OrderId.make("ord_contract")
      const redemption = yield* loyalty.redeem({ payload: { idempotency_key: key, customer_id: customer, order_id, points: 4 } })
      yield* expect("loyalty.redeem", redemption.amount === 100, "4 points are 1.00")
      const reversed = yield* loyalty.reverse({
        params: { redemption_id: redemption.redemption_id },
        payload: { idempotency_key: `${key}:reverse` }
      })
      yield* expect("loyalty.reverse", reversed.reversed, "redemption reversed")
      const rewarded = yield* loyalty.reward({ payload: { idempotency_key: `${key}:reward`, customer_id: customer, order_id, points: 10 } })
      yield* expect("loyalty.reward", rewarded.points === account.points + 10, "10 points rewarded")
    })
  },
  {
    step: "notification.send, event.publish",
    run: Effect.gen(function* () {
      const key = `contract_${Date.now()}`
      const order_id = Ids.OrderId.make("ord_contract")
      const sent = yield* (yield* NotificationService).send({
        payload: { idempotency_key: key, channels: ["EMAIL", "SMS", "PUSH"], template: "ORDER_CONFIRMATION", order_id, customer_id }
      })
      yield* expect("notification.send", sent.notification_ids.length === 3, "one notification per channel")
      const event = yield* (yield* EventService).publish({
        payload: { idempotency_key: key, type: "ORDER_PLACED", order_id, total: minor(2_100), currency: INR, device_fingerprint: "fp_contract" }
      })
      yield* expect("event.publish", event.event_id.length > 0, "an event id")
    })
  },
  {
    step: "recommendations.*",
    run: Effect.gen(function* () {
      const recommendations = yield* RecommendationsService
      const complementary = yield* recommendations.complementary({ payload: { product_ids: [phone] } })
      yield* expect(
        "recommendations.complementary",
        complementary.candidates.map((c) => c.product_id).join(",") === "prod_case,prod_screen,prod_earbuds",
        "a phone's complements are the case, the screen protector and the earbuds"
      )
      const upsells = yield* recommendations.upsells({ payload: { product_ids: [caseId] } })
      yield* expect("recommendations.upsells", upsells.candidates[0]?.product_id === "prod_premium_case", "the premium case upsells the case")
      const reminders = yield* recommendations.reminders({ payload: { customer_id } })
      yield* expect(
        "recommendations.reminders",
        reminders.candidates.some((c) => c.product_id === "prod_earbuds" && c.source === "WISHLIST"),
        "cust_1's wishlist has the earbuds"
      )
    })
  }
]
