import { createServer, connect, type Socket } from "node:net"
import { Effect, type Scope } from "effect"

export interface TcpProxy {
  readonly port: number
  /** Drops every connection and refuses new ones, as a database host that went away. */
  readonly cut: Effect.Effect<void>
  /** Lets connections through again. */
  readonly restore: Effect.Effect<void>
}

/**
 * A TCP proxy on a loopback port to `target`, closed with the scope: what lies between a server and
 * its database, which the test can cut without touching the shared database itself.
 */
export const tcpProxy = (target: { readonly host: string; readonly port: number }): Effect.Effect<TcpProxy, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ readonly proxy: TcpProxy; readonly close: () => Promise<void> }>((resolve, reject) => {
          const open = new Set<Socket>()
          let isCut = false
          const track = (socket: Socket) => {
            open.add(socket)
            socket.on("close", () => open.delete(socket))
            socket.on("error", () => socket.destroy())
          }
          const server = createServer((client) => {
            track(client)
            if (isCut) {
              client.destroy()
              return
            }
            const upstream = connect(target.port, target.host)
            track(upstream)
            client.pipe(upstream).pipe(client)
            client.on("close", () => upstream.destroy())
            upstream.on("close", () => client.destroy())
          })
          server.once("error", reject)
          server.listen(0, "127.0.0.1", () => {
            const address = server.address()
            const port = typeof address === "object" && address !== null ? address.port : 0
            const dropAll = () => {
              for (const socket of open) socket.destroy()
            }
            resolve({
              proxy: {
                port,
                cut: Effect.sync(() => {
                  isCut = true
                  dropAll()
                }),
                restore: Effect.sync(() => {
                  isCut = false
                })
              },
              close: () =>
                new Promise<void>((done) => {
                  dropAll()
                  server.close(() => done())
                })
            })
          })
        })
    ),
    ({ close }) => Effect.promise(close)
  ).pipe(Effect.map(({ proxy }) => proxy))
