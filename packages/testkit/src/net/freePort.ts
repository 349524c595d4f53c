import { createServer } from "node:net"

/** A loopback port nobody listens on right now, asked of the OS (bind to 0, read, close); a race with other processes is unlikely. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
