import { Unauthenticated } from "@orchestra/core/domain/Errors"
import { CustomerId, DomainId, SessionId } from "@orchestra/core/domain/Ids"
import type { Owner } from "@orchestra/core/domain/Owner"
import { Clock, Effect, Layer, Option, Redacted, Result, Schema } from "effect"
import type { Headers } from "effect/http"
import { HttpServerRequest } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { Error401 } from "../api/ErrorBody.ts"
import { ServerConfig } from "../config/ServerConfig.ts"
import { fromApiError } from "../errors/ErrorAnswer.ts"
import { CurrentOwner, SignedInGuest } from "./CurrentOwner.ts"
import { MAX_CLOCK_SKEW_SECONDS, verifyGatewaySignature } from "./GatewaySignature.ts"
import { pathOf } from "./requestPath.ts"

// An empty header is as good as none: proxies sometimes forward blank values.
const headerValue = (headers: Headers.Headers, name: string): string | undefined => {
  const value = headers[name]
  return value === undefined || value.length === 0 ? undefined : value
}

// Decoders built once: every cart request runs them.
const decodeDomainId = Schema.decodeUnknownOption(DomainId)
const decodeCustomerId = Schema.decodeUnknownOption(CustomerId)
const decodeSessionId = Schema.decodeUnknownOption(SessionId)

const idHeader = <A>(
  decode: (value: unknown) => Option.Option<A>,
  headers: Headers.Headers,
  name: string
): Result.Result<Option.Option<A>, string> => {
  const value = headerValue(headers, name)
  if (value === undefined) return Result.succeed(Option.none())
  const decoded = decode(value)
  return Option.isSome(decoded) ? Result.succeed(decoded) : Result.fail(`Header ${name} is not a valid id (1-128 letters, digits, _ . : @ -)`)
}

const isUnixSeconds = Schema.is(Schema.String.pipe(Schema.check(Schema.isPattern(/^\d{1,12}$/))))

/** Why the gateway signature does not vouch for the request, if it does not. */
const signatureRefusal = (
  secret: string,
  request: HttpServerRequest.HttpServerRequest,
  owner: { readonly domainId: string; readonly customerId: string | undefined; readonly sessionId: string | undefined },
  nowMillis: number
): string | undefined => {
  const timestampHeader = headerValue(request.headers, "x-gateway-timestamp")
  const signature = headerValue(request.headers, "x-gateway-signature")
  if (timestampHeader === undefined) return "Missing header x-gateway-timestamp"
  if (signature === undefined) return "Missing header x-gateway-signature"
  if (!isUnixSeconds(timestampHeader)) return "Header x-gateway-timestamp must be unix seconds"
  const timestamp = Number(timestampHeader)
  if (Math.abs(Math.floor(nowMillis / 1000) - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
    return `Header x-gateway-timestamp is more than ${MAX_CLOCK_SKEW_SECONDS} s from server time`
  }
  const valid = verifyGatewaySignature(secret, { timestamp, method: request.method, path: pathOf(request.url), ...owner }, signature)
  return valid ? undefined : "Header x-gateway-signature does not match the request"
}

/**
 * Reads and checks the identity headers of DESIGN §3; the customer wins over the session. The
 * failure is the 401's message. Plain code, not effects: every cart request runs it.
 */
const authenticate = (
  request: HttpServerRequest.HttpServerRequest,
  secret: Option.Option<Redacted.Redacted<string>>,
  nowMillis: number
): Result.Result<{ readonly owner: Owner; readonly guest: Owner | undefined }, string> => {
  const domainId = idHeader(decodeDomainId, request.headers, "x-domain-id")
  if (Result.isFailure(domainId)) return Result.fail(domainId.failure)
  const customerId = idHeader(decodeCustomerId, request.headers, "x-customer-id")
  if (Result.isFailure(customerId)) return Result.fail(customerId.failure)
  const sessionId = idHeader(decodeSessionId, request.headers, "x-session-id")
  if (Result.isFailure(sessionId)) return Result.fail(sessionId.failure)
  const domain = domainId.success
  const customer = customerId.success
  const session = sessionId.success
  if (Option.isNone(domain)) return Result.fail("Missing header x-domain-id")
  const owner: Owner | undefined = Option.isSome(customer)
    ? { _tag: "Customer", domainId: domain.value, customerId: customer.value }
    : Option.isSome(session)
      ? { _tag: "Session", domainId: domain.value, sessionId: session.value }
      : undefined
  if (owner === undefined) return Result.fail("Missing header x-customer-id or x-session-id")
  if (Option.isSome(secret)) {
    // Both owner headers are signed as sent, even when the customer wins.
    const refusal = signatureRefusal(
      Redacted.value(secret.value),
      request,
      { domainId: domain.value, customerId: Option.getOrUndefined(customer), sessionId: Option.getOrUndefined(session) },
      nowMillis
    )
    if (refusal !== undefined) return Result.fail(refusal)
  }
  // The customer wins; the session it also names is the guest whose cart is merged into the customer's.
  const guest: Owner | undefined =
    owner._tag === "Customer" && Option.isSome(session) ? { _tag: "Session", domainId: domain.value, sessionId: session.value } : undefined
  return Result.succeed({ owner, guest })
}

/**
 * The gateway's identity headers, checked on every cart endpoint before anything else (a bad
 * body from an unknown caller is a 401, not a 400). Provides the `CurrentOwner`, and the
 * `SignedInGuest` when a customer's request also names a session.
 */
export class Identity extends HttpApiMiddleware.Service<Identity, { provides: CurrentOwner }>()("orchestra/http/Identity", {
  error: Error401
}) {
  static readonly layer = Layer.effect(
    Identity,
    Effect.gen(function* () {
      const config = yield* ServerConfig
      return Identity.of((httpEffect) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const owner = authenticate(request, config.gatewaySecret, yield* Clock.currentTimeMillis)
          if (Result.isFailure(owner)) {
            return yield* Effect.flatMap(fromApiError(new Unauthenticated({ message: owner.failure })), Effect.fail)
          }
          return yield* httpEffect.pipe(
            Effect.provideService(CurrentOwner, owner.success.owner),
            Effect.provideService(SignedInGuest, owner.success.guest)
          )
        })
      )
    })
  )
}
