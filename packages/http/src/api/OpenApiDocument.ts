import { OpenApi } from "effect/http-api"
import { PublicApi } from "./PublicApi.ts"

/** The document `/openapi.json` serves, for tools that need it without a running server. */
export const openApiDocument = (): OpenApi.OpenAPISpec => OpenApi.fromApi(PublicApi)
