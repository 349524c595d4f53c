import { Schema } from "effect"

/**
 * The errors a downstream contract declares. Business refusals travel as 404/409 with a body; the
 * orchestrator maps them per step (a 404 cart is CART_NOT_FOUND, a 409 reserve is OUT_OF_STOCK).
 */
export class ResourceNotFound extends Schema.TaggedError<ResourceNotFound>()(
  "ResourceNotFound",
  { message: Schema.String },
  { httpApiStatus: 404 }
) {}

export class ResourceConflict extends Schema.TaggedError<ResourceConflict>()(
  "ResourceConflict",
  { message: Schema.String, reason: Schema.String },
  { httpApiStatus: 409 }
) {}

/**
 * Anything else that goes wrong on a downstream call: a 5xx or an undeclared status, a transport
 * failure, a timeout, or a body that does not match the contract. It names the call so an
 * operator can tell which service misbehaved.
 */
export class DownstreamFailure extends Schema.TaggedError<DownstreamFailure>()("DownstreamFailure", {
  service: Schema.String,
  endpoint: Schema.String,
  reason: Schema.Literals(["Status", "Transport", "Timeout", "Decode"]),
  status: Schema.optionalKey(Schema.Int),
  message: Schema.String
}) {}
