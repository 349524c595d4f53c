import { HttpApi } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"

export const OPENAPI_PATH = "/openapi.json"
export const DOCS_PATH = "/docs"

interface Route {
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
}

const toRoute = (method: string, template: string): Route => ({
  method,
  template,
  pattern: new RegExp(`^${template.split("/").map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}$`)
})

let routes: ReadonlyArray<Route> | undefined

// Built on first use rather than at import: RequestScope and the API import each other's neighbours.
const allRoutes = (): ReadonlyArray<Route> => {
  if (routes === undefined) {
    const found: Array<Route> = [toRoute("GET", OPENAPI_PATH), toRoute("GET", DOCS_PATH)]
    HttpApi.reflect(PublicApi, {
      onGroup: () => {},
      onEndpoint: ({ endpoint }) => found.push(toRoute(endpoint.method, endpoint.path))
    })
    routes = found
  }
  return routes
}

/**
 * The route template a request matched (`/payments/webhooks/:gateway`), or `unmatched`: the
 * metrics label, whose values must stay a small fixed set whatever paths clients send.
 */
export const routeOf = (method: string, path: string): string =>
  allRoutes().find((route) => route.method === method.toUpperCase() && route.pattern.test(path))?.template ?? "unmatched"
