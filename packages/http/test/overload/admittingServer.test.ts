import { createServer, get, type IncomingMessage, type ServerResponse } from "node:http"
import { connect, type AddressInfo, type Socket } from "node:net"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { makeAdmissionGate } from "../../src/overload/AdmissionGate.ts"
import { admitRequests } from "../../src/overload/admittingServer.ts"
import { fixedLimit } from "@orchestra/core/resilience/ConcurrencyLimit"

/** Resolves once `condition` holds, checked after each turn of the event loop: an order of events, not a wait. */
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * A bare Node server behind the gate (one request at a time, one in line) whose handler holds
 * every response until the test ends it: what the gate does at the socket level, without the app.
 */
const gatedNodeServer = async () => {
  const server = createServer()
  const admission = admitRequests(server, makeAdmissionGate({ limit: fixedLimit(1), queue: 1, deadlineMs: 5_000 }))
  const handled: Array<{ readonly url: string; readonly response: ServerResponse }> = []
  server.on("request", (request: IncomingMessage, response: ServerResponse) => handled.push({ url: request.url ?? "", response }))
  let socketsClosed = 0
  server.on("connection", (socket: Socket) => socket.on("close", () => socketsClosed++))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return { server, admission, handled, port, socketsClosed: () => socketsClosed }
}

let close: (() => void) | undefined
afterEach(() => close?.())

describe("the gate at the socket", () => {
  it("a client that leaves while its request waits in line does not keep the slot that request is later given", async () => {
    const { server, admission, handled, port, socketsClosed } = await gatedNodeServer()
    close = () => server.close()
    get({ port, host: "127.0.0.1", path: "/a", agent: false }).on("error", () => {})
    await until(() => handled.length === 1)

    const leaving = connect(port, "127.0.0.1")
    leaving.on("error", () => {})
    leaving.write("GET /b HTTP/1.1\r\nHost: test\r\n\r\n")
    await until(() => admission.stats()?.queued === 1)
    leaving.destroy()
    await until(() => socketsClosed() === 1)

    // The running request ends: its slot goes to /b, whose client is gone, and comes straight back.
    handled[0]!.response.end("done")
    await until(() => admission.stats()?.inFlight === 0 || handled.some((h) => h.url === "/b"))
    expect(handled.map((h) => h.url)).toEqual(["/a"])
    expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0 })
    get({ port, host: "127.0.0.1", path: "/c", agent: false }).on("error", () => {})
    await until(() => handled.length === 2)
    expect(handled.map((h) => h.url)).toEqual(["/a", "/c"])
    for (const h of handled) h.response.end()
  })
})
