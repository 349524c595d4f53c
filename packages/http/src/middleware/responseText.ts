import type { HttpServerResponse } from "effect/http"

const decoder = new TextDecoder()

/** A buffered response body as text; undefined for empty and streamed bodies. */
export const responseText = (response: HttpServerResponse.HttpServerResponse): string | undefined => {
  const body = response.body
  if (body._tag !== "Uint8Array") return undefined
  return body.text ?? decoder.decode(body.body)
}

export const responseContentType = (response: HttpServerResponse.HttpServerResponse): string | undefined =>
  (response.body._tag === "Uint8Array" ? response.body.contentType : undefined) ?? response.headers["content-type"]
