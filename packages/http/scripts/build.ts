import { rmSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { parseArgs } from "node:util"
import type { Plugin } from "rolldown"

/**
 * `pnpm build [--minify] [--sourcemap]`: production JavaScript, one self-contained ES module per
 * process in `dist/` at the repository root (git-ignored), bundled and tree-shaken by rolldown.
 *
 * | file | entry | what |
 * |---|---|---|
 * | `dist/server.js` | `packages/http/src/server/main.ts` | the orchestrator (`OrchestraServer`: config from the environment) |
 * | `dist/bench/ours.js` | `packages/bench/src/oursServer.ts` | ours as the bench starts it |
 * | `dist/bench/baseline.js` | `packages/bench/src/baseline/server.ts` | the bench's baseline |
 * | `dist/bench/sandbox.js` | `packages/bench/src/sandboxServer.ts` | the bench's sandbox server |
 *
 * Why a bundle: Node otherwise loads every module of the `effect` and `@effect/platform-node`
 * barrels and of our packages, used or not — most of the server's resident memory at start
 * (packages/bench/RESULTS.md, Notes). The code is the same JavaScript (type stripping and rolldown
 * both only erase types for our ES2023 target), so CPU per request is unchanged.
 *
 * Everything is bundled, npm dependencies included, except Node's built-ins: `dist/` needs only
 * Node 24 and the repository's data files beside it (see `importMetaUrlPlugin`). Not minified:
 * minifying saves 4 MB of RSS and doubles the build time, and keeps names out of stack traces and
 * CPU profiles. `--sourcemap` writes `.js.map` files for `node --enable-source-maps`.
 */

export const rootDir = resolve(import.meta.dirname, "../../..")
export const distDir = join(rootDir, "dist")

export const entries = {
  server: "packages/http/src/server/main.ts",
  "bench/ours": "packages/bench/src/oursServer.ts",
  "bench/baseline": "packages/bench/src/baseline/server.ts",
  "bench/sandbox": "packages/bench/src/sandboxServer.ts"
} as const

export type EntryName = keyof typeof entries

/** Where `name`'s bundle is written. */
export const outputOf = (name: EntryName) => join(distDir, `${name}.js`)

/**
 * A module that finds a data file next to itself (`new URL("../../catalog/x.json", import.meta.url)`,
 * the testkit's demo catalog) must still find it once its code sits in `dist/`: inside each of our
 * modules, `import.meta.url` becomes that module's own source location, expressed relative to the
 * output file so that the repository (with `dist/` inside) can move.
 */
const importMetaUrlPlugin = (outFile: string): Plugin => ({
  name: "orchestra:import-meta-url",
  transform: {
    filter: { id: { exclude: /node_modules/ }, code: { include: /import\.meta\.url/ } },
    handler(code, id) {
      const fromOutput = relative(dirname(outFile), id)
      // No lines move, so the source map stays right to the line (`map: null`: keep the existing one).
      return { code: code.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromOutput)}, import.meta.url).href`), map: null }
    }
  }
})

export interface BuildOptions {
  /** Only these entries (the bench builds its three); all of them, in a cleared `dist/`, by default. */
  readonly only?: ReadonlyArray<EntryName>
  readonly minify?: boolean
  readonly sourcemap?: boolean
}

/** Bundles the entries into `dist/`; resolves with each output's size in bytes. */
export const buildAll = async (options: BuildOptions = {}): Promise<Partial<Record<EntryName, number>>> => {
  // Imported here, so that importing this module (the bench does, for `outputOf`) loads no bundler.
  const { build } = await import("rolldown")
  if (options.only === undefined) rmSync(distDir, { recursive: true, force: true })
  const sizes: Partial<Record<EntryName, number>> = {}
  await Promise.all(
    (options.only ?? (Object.keys(entries) as ReadonlyArray<EntryName>)).map(async (name) => {
      const file = outputOf(name)
      await build({
        input: join(rootDir, entries[name]),
        platform: "node",
        cwd: rootDir,
        logLevel: "warn",
        plugins: [importMetaUrlPlugin(file)],
        output: {
          file,
          format: "esm",
          codeSplitting: false,
          minify: options.minify === true,
          sourcemap: options.sourcemap === true,
          comments: { legal: false, annotation: false, jsdoc: false }
        }
      })
      sizes[name] = statSync(file).size
    })
  )
  return sizes
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { minify: { type: "boolean", default: false }, sourcemap: { type: "boolean", default: false } }
  })
  const started = performance.now()
  const sizes = await buildAll({ minify: values.minify, sourcemap: values.sourcemap })
  const listing = Object.entries(sizes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, bytes]) => `dist/${name}.js ${(bytes / 1024).toFixed(0)} KiB`)
    .join(", ")
  process.stdout.write(`pnpm build: ${listing} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
}
