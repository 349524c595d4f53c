import { CartGroup } from "@orchestra/core/services/Cart"
import { CustomerGroup } from "@orchestra/core/services/Customer"
import { EventGroup } from "@orchestra/core/services/Event"
import type { DownstreamServiceName } from "@orchestra/core/services/index"
import { InventoryGroup } from "@orchestra/core/services/Inventory"
import { LoyaltyGroup } from "@orchestra/core/services/Loyalty"
import { MarketingGroup } from "@orchestra/core/services/Marketing"
import { NotificationGroup } from "@orchestra/core/services/Notification"
import { OrderGroup } from "@orchestra/core/services/Order"
import { PaymentGroup } from "@orchestra/core/services/Payment"
import { ProductGroup } from "@orchestra/core/services/Product"
import { RecommendationsGroup } from "@orchestra/core/services/Recommendations"
import { SellerAdminGroup } from "@orchestra/core/services/SellerAdmin"
import { ShippingGroup } from "@orchestra/core/services/Shipping"
import type { Schema } from "effect"
import type { HttpApiEndpoint } from "effect/http-api"

/** The thirteen downstream contracts by the service key the trace and `*_SERVICE_URL` use. */
export const downstreamGroups = {
  cart: CartGroup,
  product: ProductGroup,
  inventory: InventoryGroup,
  marketing: MarketingGroup,
  sellerAdmin: SellerAdminGroup,
  shipping: ShippingGroup,
  customer: CustomerGroup,
  payment: PaymentGroup,
  order: OrderGroup,
  loyalty: LoyaltyGroup,
  notification: NotificationGroup,
  event: EventGroup,
  recommendations: RecommendationsGroup
} satisfies Record<DownstreamServiceName, unknown>

/** The HTTP methods the contracts use. */
export const contractMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const
export type ContractMethod = (typeof contractMethods)[number]

const isContractMethod = (method: string): method is ContractMethod => contractMethods.some((m) => m === method)

/** What this module reads of an endpoint definition: every contract endpoint has these. */
export interface EndpointDefinition {
  readonly identifier: string
  readonly path: string
  readonly method: string
  readonly params: Schema.Top | undefined
  readonly query: Schema.Top | undefined
  readonly payload: HttpApiEndpoint.PayloadMap
  readonly success: ReadonlySet<Schema.Top>
  readonly error: ReadonlySet<Schema.Top>
}

/** One endpoint of one contract, with what it takes to recognise a request for it. */
export interface ContractRoute {
  readonly service: DownstreamServiceName
  readonly endpoint: string
  readonly method: ContractMethod
  /** The contract's template, e.g. `/api/carts/:cart_id/compute`. */
  readonly template: string
  readonly definition: EndpointDefinition
  readonly pattern: RegExp
  readonly paramNames: ReadonlyArray<string>
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const compile = (template: string): { pattern: RegExp; paramNames: Array<string> } => {
  const paramNames: Array<string> = []
  const source = template
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return escapeRegExp(segment)
      paramNames.push(segment.slice(1))
      return "([^/]+)"
    })
    .join("/")
  return { pattern: new RegExp(`^${source}$`), paramNames }
}

const isService = (name: string): name is DownstreamServiceName => name in downstreamGroups

/**
 * Every endpoint of every downstream contract, derived from the groups themselves: the one place
 * that turns an HTTP request into `service.endpoint` for recording, replay and the timeline.
 */
export const contractRoutes: ReadonlyArray<ContractRoute> = Object.entries(downstreamGroups).flatMap(([service, group]) =>
  isService(service)
    ? Object.values<EndpointDefinition>(group.endpoints).flatMap((definition) => {
        const method = definition.method.toUpperCase()
        return isContractMethod(method)
          ? [{ service, endpoint: definition.identifier, method, template: definition.path, definition, ...compile(definition.path) }]
          : []
      })
    : []
)

/** Every step a downstream call can be named by, e.g. `inventory.checkAvailability`. */
export const contractSteps: ReadonlyArray<string> = contractRoutes.map((route) => `${route.service}.${route.endpoint}`)

export interface RouteMatch {
  readonly route: ContractRoute
  readonly params: Readonly<Record<string, string>>
}

/** The contract endpoint a request is for, by method and path (without the query string). */
export const matchRoute = (method: string, pathname: string): RouteMatch | undefined => {
  for (const route of contractRoutes) {
    if (route.method !== method.toUpperCase()) continue
    const found = route.pattern.exec(pathname)
    if (found === null) continue
    const params: Record<string, string> = {}
    route.paramNames.forEach((name, index) => {
      params[name] = decodeURIComponent(found[index + 1] ?? "")
    })
    return { route, params }
  }
  return undefined
}

/** The route of a `service.endpoint` step name, if the contracts have one. */
export const routeOfStep = (step: string): ContractRoute | undefined =>
  contractRoutes.find((route) => `${route.service}.${route.endpoint}` === step)
