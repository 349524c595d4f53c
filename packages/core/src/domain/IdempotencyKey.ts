import { createHash } from "node:crypto"
import { type Owner, ownerId } from "./Owner.ts"

/** Set on an answer given again for a key already used (`true`). */
export const REPLAYED_HEADER = "idempotent-replayed"

/** The longest `Idempotency-Key` a client may send. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255

/**
 * Whose keys a client's `Idempotency-Key` lives among: the owner, across cart types (DESIGN §3).
 * Two customers who both send `checkout-1` name two different operations.
 */
export const keyScope = (owner: Owner): string =>
  `${owner.domainId}:${owner._tag === "Customer" ? "c" : "s"}:${ownerId(owner)}`

/**
 * The idempotency key one downstream write of a client's operation carries: derived from (domain,
 * owner, client key) and the step, so a retry of the operation sends the same key, and no two
 * owners can ever send the same one. Hashed, so downstream services see neither the owner nor the
 * client's key, and the length stays fixed whatever the client sent.
 */
export const downstreamKey = (owner: Owner, clientKey: string, step: string): string => scopedKey(keyScope(owner), clientKey, step)

/** `downstreamKey` from a scope already derived (`keyScope`), as the checkout registry keeps it. */
export const scopedKey = (scope: string, clientKey: string, step: string): string => `${operationDigest(scope, clientKey)}:${step}`

/** 128 bits of sha256 over the scope and the key: collisions are out of reach. */
export const operationDigest = (scope: string, clientKey: string): string =>
  createHash("sha256").update(scope).update("\n").update(clientKey).digest("base64url").slice(0, 22)

/** Same method, path, query and exact body bytes: the same request, for the same key. */
export const fingerprintOf = (method: string, url: string, body: string): string =>
  createHash("sha256").update(method).update("\n").update(url).update("\n").update(body).digest("hex")
