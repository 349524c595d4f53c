import type { HttpMethod } from "effect/http"
import type { OpenApi } from "effect/http-api"

const methods = [
  ["get", "GET"],
  ["put", "PUT"],
  ["post", "POST"],
  ["delete", "DELETE"],
  ["patch", "PATCH"]
] as const

export interface OperationAddress {
  readonly method: HttpMethod.HttpMethod
  /** As the document writes it, parameters in braces: `/payments/webhooks/{gateway}`. */
  readonly path: string
  readonly operation: OpenApi.OpenAPISpecOperation
}

/** Where the document puts an operation: its method, path and definition. */
export const operationById = (document: OpenApi.OpenAPISpec, operationId: string): OperationAddress => {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [key, method] of methods) {
      const operation = item[key]
      if (operation?.operationId === operationId) return { method, path, operation }
    }
  }
  throw new Error(`the document has no operation ${operationId}`)
}

/** The value at a dotted path (`payment.0.amount`) of a JSON answer, or undefined. */
export const valueAt = (value: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>((at, key) => (typeof at === "object" && at !== null ? Object.entries(at).find(([name]) => name === key)?.[1] : undefined), value)
