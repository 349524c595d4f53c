import { createServer, type Server } from "node:http"

/**
 * A Node HTTP server that lets go of keep-alive connections once it is closing. Node closes the
 * idle ones when `close()` is called, but a connection busy at that moment would otherwise stay
 * open for the keep-alive timeout after its response, holding up shutdown.
 */
export const drainingServer = (): Server => {
  const server = createServer()
  server.on("request", (_request, response) => {
    response.once("finish", () => {
      // `listening` turns false as soon as close() starts; the connection is idle on the next tick.
      if (!server.listening) setImmediate(() => server.closeIdleConnections())
    })
  })
  return server
}
