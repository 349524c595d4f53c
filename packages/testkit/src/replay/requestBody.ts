import type { HttpClientRequest } from "effect/http"

/** A body as a JSON value: null when empty, the text itself when it is not JSON. */
export const parseJsonOrText = (text: string): unknown => {
  if (text.length === 0) return null
  try {
    return JSON.parse(text)
  } catch {
    // Not JSON (no contract sends anything else): kept as text so a fixture still shows it.
    return text
  }
}

/** A request's body as a JSON value (null when it has none): how fixtures store and match it. */
export const requestBodyJson = (request: HttpClientRequest.HttpClientRequest): unknown => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return parseJsonOrText(body.text ?? new TextDecoder().decode(body.body))
    case "Raw":
      return typeof body.body === "string" ? parseJsonOrText(body.body) : null
    default:
      return null
  }
}

/** Path and query string of a URL, as `Interaction.path` holds them. */
export const pathOf = (url: URL): string => `${url.pathname}${url.search}`
