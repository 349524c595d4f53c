import { Layer } from "effect"
import { HttpMiddleware, HttpRouter } from "effect/http"
import { HttpApiBuilder, HttpApiSwagger } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { CartHandlers } from "../handlers/CartHandlers.ts"
import { CheckoutHandlers } from "../handlers/CheckoutHandlers.ts"
import { OpsHandlers } from "../handlers/OpsHandlers.ts"
import { WebhookHandlers } from "../handlers/WebhookHandlers.ts"
import { MutationLimit } from "../middleware/AbuseLimit.ts"
import { RequiredCheckoutKey } from "../middleware/CheckoutKey.ts"
import { Idempotency } from "../middleware/Idempotency.ts"
import { Identity } from "../middleware/Identity.ts"
import { InvalidRequest } from "../middleware/InvalidRequest.ts"
import { RequestScope } from "../middleware/RequestScope.ts"
import { pathOf } from "../middleware/requestPath.ts"
import { DOCS_PATH, OPENAPI_PATH, routeOf } from "../ops/routes.ts"

export { DOCS_PATH, OPENAPI_PATH } from "../ops/routes.ts"

const ApiRoutes = HttpApiBuilder.layer(PublicApi, { openapiPath: OPENAPI_PATH }).pipe(
  Layer.provide([CartHandlers, CheckoutHandlers, WebhookHandlers, OpsHandlers]),
  Layer.provide([Identity.layer, Idempotency.layer, RequiredCheckoutKey.layer, MutationLimit.layer, InvalidRequest.layer])
)

/**
 * The public API, its OpenAPI document and Swagger UI, served on whatever `HttpServer` is
 * provided (a port in production, the in-process test server in tests). Needs the flows, the
 * stores, the cart mutex, readiness, the checkout registry (its storage probe defaults to memory)
 * and the server config.
 */
export const HttpApp = HttpRouter.serve(
  Layer.mergeAll(ApiRoutes, HttpApiSwagger.layer(PublicApi, { path: DOCS_PATH })).pipe(Layer.provide(RequestScope)),
  // RequestScope writes the access log.
  { disableLogger: true }
).pipe(
  // Server spans are named `<METHOD> <route template>` (OpenTelemetry's convention), not just the method.
  Layer.provide(
    Layer.succeed(
      HttpMiddleware.SpanNameGenerator,
      (request) => `${request.method} ${routeOf(request.method, pathOf(request.url))}`
    )
  )
)
