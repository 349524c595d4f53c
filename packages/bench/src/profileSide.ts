import { mkdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { freePort } from "@orchestra/testkit/net/freePort"
import { figuresOf, runLoad } from "./load.ts"
import { startServer } from "./procs.ts"
import { GATEWAY_SECRET, gatewayHeaders, type Side, seedPlanFor } from "./scenarios.ts"
import { encodeSeedPlan, SEED_ENV } from "./seed.ts"

/**
 * `node src/profileSide.ts [--side ours|baseline] [--lines 20] [--connections 100] [--seconds 10] [--cached]`
 *
 * One side alone, in-process, under a full (or cached) GET load, with `--cpu-prof`: a profile of
 * what a request costs without the other side's runs or the harness's pauses in it. Prints the
 * profile's path; summarise it with `node src/profile.ts <file> 30 <seconds of startup to skip>`.
 */
const { values } = parseArgs({
  options: {
    side: { type: "string", default: "ours" },
    lines: { type: "string", default: "20" },
    connections: { type: "string", default: "100" },
    seconds: { type: "string", default: "10" },
    cached: { type: "boolean", default: false }
  }
})
const side: Side = values.side === "baseline" ? "baseline" : "ours"
const lines = Number(values.lines)
const connections = Number(values.connections)
const srcDir = dirname(fileURLToPath(import.meta.url))
const profileDir = resolve(srcDir, "..", "tmp", "profiles", `${side}-${values.cached ? "cached" : "full"}-${lines}-${Date.now()}`)
mkdirSync(profileDir, { recursive: true })
const readers = 100
const group = { mode: "in-process", store: "memory", latencyMs: 0, scenarios: [{ flow: "full-get", lines, connections }] } as const
const startedAt = Date.now()
const server = await startServer({
  name: `profile-${side}`,
  entry: join(srcDir, side === "ours" ? "oursServer.ts" : join("baseline", "server.ts")),
  port: await freePort(),
  env: { [SEED_ENV]: encodeSeedPlan(seedPlanFor(group, side, { readers, orders: 0 })), ORCHESTRA_GATEWAY_SECRET: GATEWAY_SECRET },
  healthPath: "/health",
  logDir: join(srcDir, "..", "tmp", "logs"),
  nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
  cwd: srcDir
})
const prefix = side === "ours" ? "o_" : "b_"
const headers = (i: number) => gatewayHeaders("GET", "/cart", { customerId: `${prefix}g${lines}_${i % readers}` })
if (values.cached) {
  for (let i = 0; i < readers; i++) await fetch(`http://127.0.0.1:${server.port}/cart`, { headers: headers(i) }).then((r) => r.arrayBuffer())
}
const loadStartS = (Date.now() - startedAt) / 1000
const figures = figuresOf([
  await runLoad({
  port: server.port,
  connections,
  durationS: Number(values.seconds),
  method: "GET",
  path: values.cached ? "/cart?compute=false" : "/cart",
    connectionHeaders: headers
  })
])
await server.stop()
process.stdout.write(
  `${side}: ${figures.rps} rps, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, ${figures.non2xx} non-2xx\n` +
    `profile in ${profileDir}; load started ~${loadStartS.toFixed(1)} s after launch (skip that much)\n`
)
