import { OVERLOADED_RETRY_AFTER_S } from "@orchestra/core/checkout/CheckoutAdmission"
import { IncomingMessage, type Server, ServerResponse } from "node:http"
import { errorBodyFor } from "../errors/ErrorAnswer.ts"
import { REQUEST_ID_HEADER, requestIdFromUnsafe } from "../middleware/RequestId.ts"
import type { AdmissionShape } from "./Admission.ts"
import type { AdmissionGate, Refusal } from "./AdmissionGate.ts"

/** Probes and metrics answer whatever the load: an operator must be able to see an overloaded server. */
const alwaysAnswered = new Set(["/health", "/ready", "/metrics"])
const pathOf = (url: string | undefined) => {
  const path = url ?? "/"
  const query = path.indexOf("?")
  return query === -1 ? path : path.slice(0, query)
}

/** The client may come back after this long; short, as the gate refuses only as long as the surge lasts (as checkout admission). */
export { OVERLOADED_RETRY_AFTER_S }

const messages: Record<Refusal, string> = {
  queue_full: "The server is at capacity; retry shortly",
  deadline: "The server is at capacity and the request could not be served before its deadline; retry shortly"
}

const answerOverloaded = (request: IncomingMessage, response: ServerResponse, reason: Refusal) => {
  const header = request.headers[REQUEST_ID_HEADER]
  const requestId = requestIdFromUnsafe(typeof header === "string" ? header : undefined)
  response.writeHead(503, {
    "content-type": "application/json",
    "retry-after": String(OVERLOADED_RETRY_AFTER_S),
    "cache-control": "no-store",
    [REQUEST_ID_HEADER]: requestId
  })
  response.end(JSON.stringify(errorBodyFor(requestId, { code: "OVERLOADED", message: messages[reason] })))
}

/**
 * Puts `gate` in front of every request `server` receives, before the HTTP framework sees it:
 * an admitted request is handed on (now or when a slot frees), a refused one is answered 503
 * OVERLOADED with `Retry-After` right here, its body never read, for a few microseconds of CPU.
 * A request holds its slot until its response is finished or its connection closes; one whose
 * client left while it waited gives its slot back as soon as it gets one.
 */
export const admitRequests = (server: Server, gate: AdmissionGate, now: () => number = Date.now): AdmissionShape => {
  const arrivals = new WeakMap<IncomingMessage, number>()
  const emit: (event: string, ...args: Array<unknown>) => boolean = server.emit.bind(server)
  server.emit = (event: string, ...args: Array<unknown>): boolean => {
    const [request, response] = args
    if (event !== "request" || !(request instanceof IncomingMessage) || !(response instanceof ServerResponse)) {
      return emit(event, ...args)
    }
    if (alwaysAnswered.has(pathOf(request.url))) return emit(event, request, response)
    const arrivedAt = now()
    arrivals.set(request, arrivedAt)
    // Listened to from arrival: a client that leaves while its request waits in line must not
    // leave the slot it is later given held forever.
    let release: ((now: number) => void) | undefined
    let gone = false
    response.once("close", () => {
      gone = true
      release?.(now())
    })
    gate.arrive(arrivedAt, {
      arrivedAt,
      start: (releaseSlot) => {
        if (gone) return releaseSlot(now())
        release = releaseSlot
        emit(event, request, response)
      },
      refuse: (reason) => answerOverloaded(request, response, reason)
    })
    return true
  }
  return { stats: gate.stats, arrivedAt: (source) => (source instanceof IncomingMessage ? arrivals.get(source) : undefined) }
}
