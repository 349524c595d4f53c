import { Schema, type SchemaAST } from "effect"
import type { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"

/**
 * An endpoint's runtime description (method, path, schemas). Groups type their endpoints only as
 * a widened constraint; every endpoint object is an `HttpApiEndpoint`, which `Top` describes.
 */
export const endpointOf = (group: HttpApiGroup.Constraint, name: string): HttpApiEndpoint.Top => {
  const endpoint = group.endpoints[name]
  if (endpoint === undefined) throw new Error(`No endpoint ${group.identifier}.${name}`)
  return endpoint as unknown as HttpApiEndpoint.Top
}

export const payloadSchemaOf = (endpoint: HttpApiEndpoint.Top): Schema.Top | undefined => endpoint.payload.get("application/json")?.schemas[0]

export const successSchemaOf = (endpoint: HttpApiEndpoint.Top): Schema.Top => {
  const [first] = endpoint.success
  if (first === undefined) throw new Error(`${endpoint.identifier} declares no success schema`)
  return first
}

/** A codec that needs no services, as every contract schema is: the sync API wants that stated. */
type Plain = Schema.Codec<unknown, unknown, never, never>
const plain = (schema: Schema.Top): Plain => schema as unknown as Plain

export interface Codecs<A> {
  readonly encodeJson: (value: A) => unknown
  readonly decodeJson: (json: unknown) => A
}

/** The JSON codec HttpApi applies to bodies (`Schema.toCodecJson`), as sync functions. */
export const jsonCodec = <S extends Schema.Top>(schema: S, options?: SchemaAST.ParseOptions): Codecs<S["Type"]> => {
  const codec = Schema.toCodecJson(plain(schema))
  return { encodeJson: Schema.encodeSync(codec, options), decodeJson: Schema.decodeUnknownSync(codec, options) }
}

/** Path, query and header values: decoded from and encoded to strings as HttpApi does. */
export const stringsCodec = (schema: Schema.Top, options?: SchemaAST.ParseOptions) => ({
  encode: Schema.encodeSync(plain(schema), options),
  decode: Schema.decodeUnknownSync(plain(schema), options)
})
