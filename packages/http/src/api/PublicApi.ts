import { HttpApi, OpenApi } from "effect/http-api"
import { InvalidRequest } from "../middleware/InvalidRequest.ts"
import { CartGroup } from "./CartGroup.ts"
import { CheckoutGroup } from "./CheckoutGroup.ts"
import { completeDocument } from "./DocumentCompletion.ts"
import { OpsGroup } from "./OpsGroup.ts"
import { WebhookGroup } from "./WebhookGroup.ts"

/**
 * The gateway-facing API (DESIGN §3): cart, checkout (place-order, suggestions), payment
 * webhooks and ops, each a group, all under `.middleware(InvalidRequest)`.
 */
export const PublicApi = HttpApi.make("orchestra")
  .add(CartGroup)
  .add(CheckoutGroup)
  .add(WebhookGroup)
  .add(OpsGroup)
  .middleware(InvalidRequest)
  // Mutations never take a field we do not know: no client-sent prices or totals.
  .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "error", errors: "all" })
  .annotate(HttpApi.QueryParseOptions, { errors: "all" })
  // Our answers are values our own code built, typed by these schemas: re-running every check on
  // them (each amount's two decimals, each id's pattern) was 40% of the cost of encoding a cart.
  // Shapes and literals are still matched, so a union picks the same member; no answer schema has
  // members that only a check tells apart.
  .annotate(HttpApi.SuccessParseOptions, { disableChecks: true })
  .annotate(OpenApi.Title, "Orchestra cart & checkout orchestrator")
  .annotate(OpenApi.Version, "0.1.0")
  .annotate(OpenApi.License, { name: "Proprietary", identifier: "LicenseRef-Proprietary" })
  // Relative: the document is served by the orchestrator it describes, behind whatever gateway host.
  .annotate(OpenApi.Servers, [{ url: "/", description: "This orchestrator" }])
  // Security schemes and the response headers middleware sets: what the endpoint schemas cannot say.
  .annotate(OpenApi.Transform, completeDocument)
  .annotate(
    OpenApi.Description,
    "The public cart API the gateway calls. Every error answers `{ success: false, error: { code, message, details? }, request_id }`; every response carries `x-request-id`."
  )
