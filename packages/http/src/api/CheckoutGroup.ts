import { PlaceOrderRequest } from "@orchestra/core/checkout/PlaceOrderRequest"
import { PlaceOrderResponse } from "@orchestra/core/checkout/PlaceOrderResponse"
import { SuggestionsResponse } from "@orchestra/core/suggestions/SuggestionsResponse"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { RequiredCheckoutKey } from "../middleware/CheckoutKey.ts"
import { Identity } from "../middleware/Identity.ts"
import { cartType } from "./CartGroup.ts"
import { CartErrors } from "./ErrorBody.ts"
import { IdentityHeaders, PlaceOrderHeaders } from "./Headers.ts"

/** Turning the owner's cart into an order, and what to add to it before that. */
export const CheckoutGroup = HttpApiGroup.make("checkout")
  .add(
    HttpApiEndpoint.post("placeOrder", "/cart/place-order", {
      query: cartType,
      headers: PlaceOrderHeaders,
      payload: PlaceOrderRequest,
      success: PlaceOrderResponse,
      error: CartErrors
    })
      .middleware(RequiredCheckoutKey)
      .annotate(OpenApi.Summary, "Place the order")
      .annotate(
        OpenApi.Description,
        "Checkout phase 1 (DESIGN §6): payment check, stock, prices and coupons re-checked, stock reserved for 900 s, master order and sub-orders per store, payments initiated (GATEWAY → redirect_url; WALLET debited with OTP; COD; LOYALTY points). Without a GATEWAY payment the order completes at once; otherwise on the gateway's webhook. Idempotency-Key is required; any failure undoes what was done and keeps the cart. While as many checkouts as this instance admits are started and not yet answered, a new key is answered 503 OVERLOADED with Retry-After before it is taken (nothing started; send it again later); a key that has a checkout is never refused for that."
      ),
    HttpApiEndpoint.get("suggestions", "/cart/suggestions", {
      query: cartType,
      headers: IdentityHeaders,
      success: SuggestionsResponse,
      error: CartErrors
    })
      .annotate(OpenApi.Summary, "Smart cart suggestions")
      .annotate(
        OpenApi.Description,
        "Complementary products, bundles, upsells, free-delivery threshold offers and reminders, ranked; a source that fails is left out and named in meta.degraded_sources."
      )
  )
  .middleware(Identity)
  .annotate(OpenApi.Description, "Checkout of the owner's cart and suggestions for it, found by the identity headers.")
