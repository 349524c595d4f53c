import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

const script = fileURLToPath(new URL("../src/sandbox/serveSandbox.ts", import.meta.url))

describe("node src/sandbox/serveSandbox.ts", () => {
  it.live(
    "serves the thirteen downstream contracts on one loopback port until SIGTERM",
    () =>
      Effect.gen(function* () {
        const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? "", PORT: "0" }, stdio: "pipe" })
        let output = ""
        child.stdout.on("data", (chunk) => {
          output += String(chunk)
        })
        child.stderr.on("data", (chunk) => {
          output += String(chunk)
        })
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
        // Whatever happens below, no sandbox is left running.
        yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
        let base: string | undefined
        for (let attempt = 0; attempt < 200 && base === undefined; attempt++) {
          base = /Sandbox listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
          if (base === undefined) yield* Effect.sleep("50 millis")
        }
        expect(base, output).toBeDefined()
        const product = yield* Effect.promise(() => fetch(`${base}/api/products/search?product_ids=prod_case`).then((r) => r.status))
        const inventory = yield* Effect.promise(() =>
          fetch(`${base}/api/inventory/check-availability`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ items: [{ product_id: "prod_case", quantity: 1 }] })
          }).then((r) => r.status)
        )
        expect([product, inventory]).toEqual([200, 200])
        child.kill("SIGTERM")
        yield* Effect.promise(() => exited)
      }),
    20_000
  )
})
