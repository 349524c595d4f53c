import { createServer } from "node:http"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer } from "effect"
import { CartGroup } from "@orchestra/core/services/Cart"
import { CustomerGroup } from "@orchestra/core/services/Customer"
import { mapOperations, type Operations, urlEnvOf } from "@orchestra/core/services/Downstream"
import { EventGroup } from "@orchestra/core/services/Event"
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
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, type HttpApiGroup } from "effect/http-api"
import { downstreamServices, LiveDownstreams } from "@orchestra/core/services/index"
import { applyFaults } from "../faults/applyFaults.ts"
import { FaultInjector } from "../faults/FaultInjector.ts"
import { Sandbox, type Simulators } from "./Sandbox.ts"

/**
 * All thirteen downstream contracts on one HTTP server: their paths do not overlap, so every
 * `*_SERVICE_URL` can point at the same base URL.
 */
export const SandboxApi = HttpApi.make("sandbox").add(
  CartGroup,
  ProductGroup,
  InventoryGroup,
  MarketingGroup,
  SellerAdminGroup,
  ShippingGroup,
  CustomerGroup,
  PaymentGroup,
  OrderGroup,
  LoyaltyGroup,
  NotificationGroup,
  EventGroup,
  RecommendationsGroup
)

/**
 * A simulator's operations as HTTP handlers, behind the fault injector. An injected error is
 * answered as that HTTP status (a legal handler answer), so live clients meet real 5xx responses.
 */
const served = <G extends HttpApiGroup.Constraint>(
  injector: FaultInjector["Service"],
  service: string,
  operations: unknown
): Operations<G> =>
  mapOperations<G, never>(operations, (endpoint, call) => (request) =>
    Effect.flatMap(injector.decide(service, endpoint), (faults) =>
      applyFaults(faults, Effect.suspend(() => call(request)), (status) =>
        Effect.succeed(
          HttpServerResponse.jsonUnsafe({ error: "injected fault", step: `${service}.${endpoint}` }, { status })
        )
      )
    )
  )

const handlers = (pick: (simulators: Simulators) => { readonly operations: unknown }) =>
  Effect.gen(function* () {
    const { simulators } = yield* Sandbox
    const injector = yield* FaultInjector
    return { injector, operations: pick(simulators).operations }
  })

const Groups = Layer.mergeAll(
  HttpApiBuilder.group(SandboxApi, "cart", (h) =>
    Effect.map(handlers((s) => s.cart), (s) => h.handleAll(served<typeof CartGroup>(s.injector, "cart", s.operations)))
  ),
  HttpApiBuilder.group(SandboxApi, "product", (h) =>
    Effect.map(handlers((s) => s.product), (s) => h.handleAll(served<typeof ProductGroup>(s.injector, "product", s.operations)))
  ),
  HttpApiBuilder.group(SandboxApi, "inventory", (h) =>
    Effect.map(handlers((s) => s.inventory), (s) =>
      h.handleAll(served<typeof InventoryGroup>(s.injector, "inventory", s.operations))
    )
  ),
  HttpApiBuilder.group(SandboxApi, "marketing", (h) =>
    Effect.map(handlers((s) => s.marketing), (s) =>
      h.handleAll(served<typeof MarketingGroup>(s.injector, "marketing", s.operations))
    )
  ),
  HttpApiBuilder.group(SandboxApi, "sellerAdmin", (h) =>
    Effect.map(handlers((s) => s.sellerAdmin), (s) =>
      h.handleAll(served<typeof SellerAdminGroup>(s.injector, "sellerAdmin", s.operations))
    )
  ),
  HttpApiBuilder.group(SandboxApi, "shipping", (h) =>
    Effect.map(handlers((s) => s.shipping), (s) => h.handleAll(served<typeof ShippingGroup>(s.injector, "shipping", s.operations)))
  ),
  HttpApiBuilder.group(SandboxApi, "customer", (h) =>
    Effect.map(handlers((s) => s.customer), (s) => h.handleAll(served<typeof CustomerGroup>(s.injector, "customer", s.operations)))
  ),
  HttpApiBuilder.group(SandboxApi, "payment", (h) =>
    Effect.map(handlers((s) => s.payment), (s) => h.handleAll(served<typeof PaymentGroup>(s.injector, "payment", s.operations)))
  ),
  HttpApiBuilder.group(SandboxApi, "order", (h) =>
    Effect.map(handlers((s) => s.order), (s) => h.handleAll(served<typeof OrderGroup>(s.injector, "order", s.operations)))
  ),
  HttpApiBuilder.group(SandboxApi, "loyalty", (h) =>
    Effect.map(handlers((s) => s.loyalty), (s) => h.handleAll(served<typeof LoyaltyGroup>(s.injector, "loyalty", s.operations)))
  ),
  HttpApiBuilder.group(SandboxApi, "notification", (h) =>
    Effect.map(handlers((s) => s.notification), (s) =>
      h.handleAll(served<typeof NotificationGroup>(s.injector, "notification", s.operations))
    )
  ),
  HttpApiBuilder.group(SandboxApi, "event", (h) =>
    Effect.map(handlers((s) => s.event), (s) => h.handleAll(served<typeof EventGroup>(s.injector, "event", s.operations)))
  ),
  HttpApiBuilder.group(SandboxApi, "recommendations", (h) =>
    Effect.map(handlers((s) => s.recommendations), (s) =>
      h.handleAll(served<typeof RecommendationsGroup>(s.injector, "recommendations", s.operations))
    )
  )
)

/** The sandbox's routes, to be served by any `HttpServer` (a real port, or the test server). */
export const SandboxRoutes = HttpApiBuilder.layer(SandboxApi).pipe(Layer.provide(Groups))

/** The sandbox served over real HTTP on `port` (0 picks a free one). Needs Sandbox and FaultInjector. */
export const SandboxServer = (port: number) =>
  HttpRouter.serve(SandboxRoutes, { disableLogger: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" }))
  )

/** Every `*_SERVICE_URL` pointed at one base URL: how live clients find the sandbox server. */
export const sandboxServiceUrls = (baseUrl: string): Record<string, string> =>
  Object.fromEntries(downstreamServices.map((service) => [urlEnvOf(service), baseUrl]))

/**
 * The live client layers (real HTTP, the production code path) talking to the sandbox server on
 * a free loopback port: what contract tests and simulations run against.
 */
export const LiveDownstreamsOverSandbox = Layer.unwrap(
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    const urls = sandboxServiceUrls(`http://127.0.0.1:${port}`)
    return LiveDownstreams.pipe(
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(urls)))
    )
  })
).pipe(Layer.provideMerge(SandboxServer(0)))
