/** `$.cart.items[0].quantity` as keys and indexes; undefined for a path that does not parse. */
export const parseJsonPath = (path: string): ReadonlyArray<string | number> | undefined => {
  if (!path.startsWith("$")) return undefined
  const parts: Array<string | number> = []
  const pattern = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["([^"]+)"\]/y
  pattern.lastIndex = 1
  while (pattern.lastIndex < path.length) {
    const at = pattern.lastIndex
    const found = pattern.exec(path)
    if (found === null || found.index !== at) return undefined
    parts.push(found[1] ?? (found[2] !== undefined ? Number(found[2]) : (found[3] ?? "")))
  }
  return parts
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The value at a parsed JSON path, or `{ found: false }` when the path leads nowhere. */
export const valueAt = (root: unknown, parts: ReadonlyArray<string | number>): { readonly found: boolean; readonly value?: unknown } => {
  let current: unknown = root
  for (const part of parts) {
    const next: unknown =
      typeof part === "number" ? (Array.isArray(current) ? current[part] : undefined) : isRecord(current) ? current[part] : undefined
    if (next === undefined) return { found: false }
    current = next
  }
  return { found: true, value: current }
}
