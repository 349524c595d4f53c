import { CartType } from "@orchestra/core/domain/Owner"
import { ItemsRequest, UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import {
  DeleteCartResponse,
  GetCachedCartResponse,
  GetCartResponse,
  ItemsResponse,
  UpdateOptionsResponse
} from "@orchestra/core/flows/responses"
import { Effect, Schema, SchemaTransformation } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { MutationLimit } from "../middleware/AbuseLimit.ts"
import { Idempotency } from "../middleware/Idempotency.ts"
import { Identity } from "../middleware/Identity.ts"
import { CartErrors } from "./ErrorBody.ts"
import { IdentityHeaders, MutationHeaders } from "./Headers.ts"

export const cartType = {
  cart_type: CartType.annotate({ description: "Which of the owner's carts: DEFAULT (the default) or BUY_NOW", default: "DEFAULT" }).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed("DEFAULT"))
  )
}

// Spelled out as the two strings a query can carry, so the document shows the description and default.
const compute = {
  compute: Schema.Literals(["true", "false"])
    .annotate({ description: "true (the default): validate and recompute; false: the lightweight variant", default: "true" })
    .pipe(
      Schema.decodeTo(
        Schema.Boolean,
        SchemaTransformation.transform({
          decode: (text) => text === "true",
          encode: (flag): "true" | "false" => (flag ? "true" : "false")
        })
      ),
      Schema.withDecodingDefaultKey(Effect.succeed<"true" | "false">("true"))
    )
}

export const CartGroup = HttpApiGroup.make("cart")
  .add(
    HttpApiEndpoint.post("addItems", "/cart/items", {
      query: { ...cartType, ...compute },
      headers: MutationHeaders,
      payload: ItemsRequest,
      success: ItemsResponse,
      error: CartErrors
    })
      .middleware(Idempotency)
      .middleware(MutationLimit)
      .annotate(OpenApi.Summary, "Add, set, update or remove cart items")
      .annotate(
        OpenApi.Description,
        "Applies up to 50 operations in order. compute=true validates products, stock and stores and recomputes the cart (10 steps); compute=false only applies the operations (3 steps)."
      ),
    HttpApiEndpoint.put("updateOptions", "/cart", {
      query: cartType,
      headers: MutationHeaders,
      payload: UpdateOptionsRequest,
      success: UpdateOptionsResponse,
      error: CartErrors
    })
      .middleware(Idempotency)
      .middleware(MutationLimit)
      .annotate(OpenApi.Summary, "Update cart options")
      .annotate(
        OpenApi.Description,
        "Coupons, addresses, tips, delivery, pickup, payment method, gift wrap and instructions. Each field sent is validated and answered in `validations`; invalid ones are not applied."
      ),
    HttpApiEndpoint.get("getCart", "/cart", {
      query: { ...cartType, ...compute },
      headers: IdentityHeaders,
      // The cached answer first: it fails on its `from_cache` key before its cart, while the full answer would
      // encode the whole cart before failing on its `inventory_status`, and HttpApi encodes the first member that fits.
      success: Schema.Union([GetCachedCartResponse, GetCartResponse]),
      error: CartErrors
    })
      .annotate(OpenApi.Summary, "Get the cart")
      .annotate(
        OpenApi.Description,
        "compute=true recomputes with current prices, stock and promotions (11 steps); compute=false answers the cached cart (`from_cache`, `cache_age_seconds`). An owner without a cart gets an empty cart; none is created."
      ),
    HttpApiEndpoint.delete("deleteCart", "/cart", {
      query: cartType,
      headers: MutationHeaders,
      success: DeleteCartResponse,
      error: CartErrors
    })
      .middleware(Idempotency)
      .middleware(MutationLimit)
      .annotate(OpenApi.Summary, "Delete the cart")
      .annotate(OpenApi.Description, "Deletes the cart, clears its cache entry and releases its inventory reservations."),
    HttpApiEndpoint.post("buyNow", "/buy-now", {
      headers: MutationHeaders,
      payload: ItemsRequest,
      success: ItemsResponse,
      error: CartErrors
    })
      .middleware(Idempotency)
      .middleware(MutationLimit)
      .annotate(OpenApi.Summary, "Buy now")
      .annotate(OpenApi.Description, "Replaces the contents of the owner's BUY_NOW cart with the request's items.")
  )
  .middleware(Identity)
  .annotate(OpenApi.Description, "The owner's carts, found by the identity headers, never by an id the client sends.")
