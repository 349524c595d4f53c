import { Exit, Schema } from "effect"
import { type ContractRoute, routeOfStep } from "./ContractRoutes.ts"
import type { Fixture, Interaction } from "./Fixture.ts"

/**
 * The contracts' schemas are plain data and need no services to decode; the endpoint definition
 * types them as `Schema.Top`, which widens that requirement to `unknown`.
 */
const asPlainData = (schema: Schema.Top) => Schema.make<Schema.Codec<unknown, unknown>>(Schema.toCodecJson(schema).ast)

const decodes = (schemas: ReadonlyArray<Schema.Top>, value: unknown): string | undefined => {
  let first: string | undefined
  for (const schema of schemas) {
    const exit = Schema.decodeUnknownExit(asPlainData(schema), { errors: "all" })(value)
    if (Exit.isSuccess(exit)) return undefined
    first ??= Exit.isFailure(exit) ? String(exit.cause).split("\n").slice(0, 4).join(" ") : undefined
  }
  return first ?? "matches none of the declared schemas"
}

const jsonPayloadSchemas = (route: ContractRoute): ReadonlyArray<Schema.Top> =>
  [...route.definition.payload.values()].flatMap((entry) => ("schemas" in entry ? entry.schemas : []))

const problemsOf = (interaction: Interaction): ReadonlyArray<string> => {
  const step = `${interaction.service}.${interaction.endpoint}`
  const route = routeOfStep(step)
  if (route === undefined) return [`${step} is not an endpoint of the ${interaction.service} contract`]
  const problems: Array<string> = []
  if (route.method !== interaction.method) problems.push(`method ${interaction.method}, but the contract says ${route.method}`)

  const url = new URL(interaction.path, "http://fixture.invalid")
  const found = route.pattern.exec(url.pathname)
  if (found === null) {
    problems.push(`path ${url.pathname} does not fit ${route.template}`)
  } else if (route.definition.params !== undefined) {
    const params = Object.fromEntries(route.paramNames.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? "")]))
    const wrong = decodes([route.definition.params], params)
    if (wrong !== undefined) problems.push(`path parameters: ${wrong}`)
  }
  if (route.definition.query !== undefined) {
    const wrong = decodes([route.definition.query], Object.fromEntries(url.searchParams))
    if (wrong !== undefined) problems.push(`query: ${wrong}`)
  }

  const payloads = jsonPayloadSchemas(route)
  if (payloads.length > 0) {
    const wrong = decodes(payloads, interaction.request_body)
    if (wrong !== undefined) problems.push(`request body: ${wrong}`)
  } else if (interaction.request_body !== null) {
    problems.push("a request body, but the endpoint takes none")
  }

  const status = interaction.status
  if (status !== null && status >= 200 && status < 300) {
    const wrong = decodes([...route.definition.success], interaction.response_body)
    if (wrong !== undefined) problems.push(`response body (${status}): ${wrong}`)
  } else if (status !== null && status < 500 && route.definition.error.size > 0) {
    // A declared refusal (404/409) must carry the body the contract declares for it.
    const wrong = decodes([...route.definition.error], interaction.response_body)
    if (wrong !== undefined) problems.push(`error body (${status}): ${wrong}`)
  }
  return problems.map((problem) => `${step}: ${problem}`)
}

/**
 * Checks every interaction of a fixture against the downstream contracts: the endpoint exists
 * with that method and path, and its path parameters, query, request body and response body
 * decode with the contract's schemas. Answers one line per problem, prefixed with its position.
 */
export const checkInteractions = (fixture: Fixture): ReadonlyArray<string> =>
  fixture.interactions.flatMap((interaction, index) => problemsOf(interaction).map((problem) => `interactions[${index}] ${problem}`))
