import { readdirSync, readFileSync, statSync } from "node:fs"
import { basename, join } from "node:path"

/**
 * `node src/profile.ts <file.cpuprofile | folder> [top]`: the self time of a V8 CPU profile
 * (`node --cpu-prof`, which `pnpm bench --profile` passes to both servers) by function and by
 * module, largest first — where a request's CPU goes.
 */
interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** Where a script lives, shortened to what tells the owner: effect's module, our package file, Node's internals. */
export const moduleOf = (url: string): string => {
  if (url === "") return "(native / V8)"
  const effect = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/dist\/(.+?)\.js$/.exec(url)
  if (effect) return `${effect[1]}/${effect[2]}`
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (dependency) return dependency[1]!
  const ours = /\/packages\/(.+)$/.exec(url)
  if (ours) return ours[1]!
  return url
}

const idle = new Set(["(idle)", "(program)"])

/**
 * Self and inclusive time per function, and self time per module, over the samples taken after
 * `skipMs` (startup and seeding are not what a request costs). Percentages are of busy time:
 * idle samples are left out, garbage collection is kept.
 */
export const summarise = (profile: Profile, skipMs = 0) => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const keyOf = (node: ProfileNode) =>
    `${node.callFrame.functionName || "(anonymous)"}  ${moduleOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const modules = new Map<string, number>()
  let elapsed = 0
  let busy = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000
    elapsed += ms
    if (elapsed < skipMs) continue
    const leaf = byId.get(profile.samples[i]!)
    if (leaf === undefined || idle.has(leaf.callFrame.functionName)) continue
    busy += ms
    const leafKey = keyOf(leaf)
    self.set(leafKey, (self.get(leafKey) ?? 0) + ms)
    const module = moduleOf(leaf.callFrame.url)
    modules.set(module, (modules.get(module) ?? 0) + ms)
    const seen = new Set<string>()
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id)
      if (node === undefined) break
      const key = keyOf(node)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms)
    }
  }
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1])
  return { busy, elapsed, self: sorted(self), inclusive: sorted(inclusive), modules: sorted(modules) }
}

const main = () => {
  const [target, topText, skipText] = process.argv.slice(2)
  const top = Number(topText ?? 25)
  const skipMs = Number(skipText ?? 0) * 1000
  if (target === undefined) {
    process.stderr.write("usage: node src/profile.ts <file.cpuprofile | folder> [top] [skip seconds]\n")
    process.exit(2)
  }
  const files = statSync(target).isDirectory()
    ? readdirSync(target)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => join(target, f))
    : [target]
  for (const file of files) {
    const { busy, elapsed, self, inclusive, modules } = summarise(JSON.parse(readFileSync(file, "utf8")) as Profile, skipMs)
    const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)} %`
    const print = (title: string, rows: ReadonlyArray<[string, number]>) => {
      process.stdout.write(`  ${title}:\n`)
      for (const [name, ms] of rows.slice(0, top)) process.stdout.write(`    ${pct(ms)}  ${name}\n`)
    }
    process.stdout.write(`\n${basename(file)}: ${(busy / 1000).toFixed(1)} s busy of ${(elapsed / 1000).toFixed(1)} s (after skipping ${skipMs / 1000} s)\n`)
    print("self time by module", modules)
    print("self time by function", self)
    print("inclusive time by function", inclusive)
  }
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) main()
