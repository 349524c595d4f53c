import { Schema } from "effect"

/** A degraded step or a cart condition the client should know about (DESIGN §4). */
export const Warning = Schema.Struct({
  code: Schema.String,
  message: Schema.String,
  service: Schema.optionalKey(Schema.String)
})
export type Warning = typeof Warning.Type
