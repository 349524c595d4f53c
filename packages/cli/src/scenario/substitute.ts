/**
 * Puts saved values into a request: a string that is exactly `${name}` becomes the saved value
 * itself (a number stays a number), `${name}` inside a longer string is replaced by its text.
 * Answers the names it could not resolve alongside.
 */
export const substitute = (
  template: unknown,
  saved: ReadonlyMap<string, unknown>
): { readonly value: unknown; readonly missing: ReadonlyArray<string> } => {
  const missing = new Set<string>()
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") {
      const whole = /^\$\{([\w.-]+)\}$/.exec(node)
      if (whole !== null) {
        const name = whole[1] ?? ""
        if (!saved.has(name)) missing.add(name)
        return saved.get(name)
      }
      return node.replace(/\$\{([\w.-]+)\}/g, (_, name: string) => {
        if (!saved.has(name)) missing.add(name)
        const value = saved.get(name)
        return typeof value === "string" ? value : JSON.stringify(value)
      })
    }
    if (Array.isArray(node)) return node.map(walk)
    if (typeof node === "object" && node !== null) return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value)]))
    return node
  }
  const value = walk(template)
  return { value, missing: [...missing] }
}
