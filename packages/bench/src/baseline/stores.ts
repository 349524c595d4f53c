import { randomUUID } from "node:crypto"
import { keys } from "@orchestra/core/stores/keys"
import { Redis } from "ioredis"

/** A computed cart as the cache keeps it: the same fields ours' CartCache stores. */
export interface CachedCart {
  readonly cartId: string
  readonly version: number
  readonly computedAt: number
  readonly computed: boolean
  readonly body: string
}

export interface CartCacheStore {
  readonly get: (cartId: string) => Promise<CachedCart | undefined>
  readonly set: (entry: CachedCart) => Promise<"written" | "stale">
  readonly remove: (cartId: string) => Promise<void>
  readonly ownerCartId: (ownerKey: string) => Promise<string | undefined>
  readonly rememberOwner: (ownerKey: string, cartId: string) => Promise<void>
  readonly forgetOwner: (ownerKey: string) => Promise<void>
  readonly close: () => Promise<void>
}

const TTL_MS = 1_800_000

type Stored = ({ readonly _tag: "Entry" } & CachedCart) | { readonly _tag: "Tombstone"; readonly version: number }

interface Expiring<A> {
  readonly value: A
  readonly expiresAt: number
}

const toCached = (stored: Stored | undefined): CachedCart | undefined =>
  stored === undefined || stored._tag !== "Entry"
    ? undefined
    : { cartId: stored.cartId, version: stored.version, computedAt: stored.computedAt, computed: stored.computed, body: stored.body }

/** The in-process cache: one map per kind of key, a TTL, and ours' rule that older versions never overwrite newer. */
export const memoryCartCache = (): CartCacheStore => {
  const carts = new Map<string, Expiring<Stored>>()
  const owners = new Map<string, Expiring<string>>()
  const live = <A>(map: Map<string, Expiring<A>>, key: string) => {
    const found = map.get(key)
    return found !== undefined && found.expiresAt > Date.now() ? found.value : undefined
  }
  return {
    get: async (cartId) => toCached(live(carts, cartId)),
    set: async (entry) => {
      const current = live(carts, entry.cartId)
      if (current !== undefined && current.version > entry.version) return "stale"
      carts.set(entry.cartId, { value: { _tag: "Entry", ...entry }, expiresAt: Date.now() + TTL_MS })
      return "written"
    },
    remove: async (cartId) => void carts.delete(cartId),
    ownerCartId: async (ownerKey) => live(owners, ownerKey),
    rememberOwner: async (ownerKey, cartId) => void owners.set(ownerKey, { value: cartId, expiresAt: Date.now() + TTL_MS }),
    forgetOwner: async (ownerKey) => void owners.delete(ownerKey),
    close: async () => {}
  }
}

// Ours' script (CartCache.ts), verbatim: write unless the stored version is newer.
const writeIfNotOlder = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and type(decoded.version) == 'number' and decoded.version > tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`

const isStored = (value: unknown): value is Stored =>
  typeof value === "object" && value !== null && "_tag" in value && (value._tag === "Entry" || value._tag === "Tombstone")

/** The Redis cache with ours' keys, script and client settings. */
export const redisCartCache = async (url: string): Promise<CartCacheStore> => {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 2_000
  })
  client.on("error", () => {
    // A failing command reports its own error; without a listener ioredis prints every reconnect.
  })
  await client.connect()
  return {
    get: async (cartId) => {
      const text = await client.get(keys.cartComputed(cartId))
      if (text === null) return undefined
      const stored: unknown = JSON.parse(text)
      return isStored(stored) ? toCached(stored) : undefined
    },
    set: async (entry) => {
      const json = JSON.stringify({ _tag: "Entry", ...entry })
      const written = await client.eval(writeIfNotOlder, 1, keys.cartComputed(entry.cartId), entry.version, json, TTL_MS)
      return written === 1 ? "written" : "stale"
    },
    remove: async (cartId) => void (await client.del(keys.cartComputed(cartId))),
    ownerCartId: async (ownerKey) => (await client.get(keys.ownerCart(ownerKey))) ?? undefined,
    rememberOwner: async (ownerKey, cartId) => void (await client.set(keys.ownerCart(ownerKey), cartId, "PX", TTL_MS)),
    forgetOwner: async (ownerKey) => void (await client.del(keys.ownerCart(ownerKey))),
    close: async () => void (await client.quit())
  }
}

export class LockTimeout extends Error {}

/**
 * Ours' in-process lease lock (CartLock.layerMemory): a token per holder, a lease, and polling
 * from 5 ms doubling to 100 ms until 2 s have passed.
 */
export const memoryCartLock = () => {
  const held = new Map<string, { readonly token: string; readonly expiresAt: number }>()
  const tryAcquire = (scope: string, token: string) => {
    const now = Date.now()
    const current = held.get(scope)
    if (current !== undefined && current.expiresAt > now) return false
    held.set(scope, { token, expiresAt: now + 10_000 })
    return true
  }
  const release = (scope: string, token: string) => {
    const current = held.get(scope)
    if (current !== undefined && current.token === token) held.delete(scope)
  }
  return async <A>(scope: string, run: () => Promise<A>): Promise<A> => {
    const token = randomUUID()
    const deadline = Date.now() + 2_000
    let pause = 5
    while (!tryAcquire(scope, token)) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw new LockTimeout(scope)
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, remaining)))
      pause = Math.min(pause * 2, 100)
    }
    try {
      return await run()
    } finally {
      release(scope, token)
    }
  }
}

export interface StoredResponse {
  readonly status: number
  readonly body: string
}

export type BeginOutcome =
  | { readonly _tag: "Started" }
  | { readonly _tag: "InProgress" }
  | { readonly _tag: "Mismatch" }
  | { readonly _tag: "Completed"; readonly response: StoredResponse }

/** Ours' in-process idempotency store: claim a key with the request's fingerprint, keep the answer 24 h. */
export const memoryIdempotency = () => {
  const entries = new Map<
    string,
    { readonly fingerprint: string; readonly response: StoredResponse | undefined; readonly expiresAt: number }
  >()
  return {
    begin: (scope: string, key: string, fingerprint: string): BeginOutcome => {
      const id = keys.idempotency(scope, key)
      const now = Date.now()
      const current = entries.get(id)
      if (current !== undefined && current.expiresAt > now) {
        if (current.fingerprint !== fingerprint) return { _tag: "Mismatch" }
        return current.response === undefined ? { _tag: "InProgress" } : { _tag: "Completed", response: current.response }
      }
      entries.set(id, { fingerprint, response: undefined, expiresAt: now + 60_000 })
      return { _tag: "Started" }
    },
    complete: (scope: string, key: string, fingerprint: string, response: StoredResponse) =>
      void entries.set(keys.idempotency(scope, key), { fingerprint, response, expiresAt: Date.now() + 86_400_000 }),
    abandon: (scope: string, key: string) => void entries.delete(keys.idempotency(scope, key))
  }
}

export type SagaStateName = "STARTED" | "PAYMENTS_PENDING" | "PAYMENT_CONFIRMED" | "COMPLETED" | "COMPENSATING" | "CANCELLED"

const allowed: Record<SagaStateName, ReadonlyArray<SagaStateName>> = {
  STARTED: [],
  PAYMENTS_PENDING: ["STARTED"],
  PAYMENT_CONFIRMED: ["PAYMENTS_PENDING"],
  COMPLETED: ["PAYMENT_CONFIRMED"],
  COMPENSATING: ["STARTED", "PAYMENTS_PENDING", "PAYMENT_CONFIRMED"],
  CANCELLED: ["COMPENSATING"]
}

/** Ours' in-process checkout store: the saga record per order, moved only along allowed transitions. */
export const memorySagas = () => {
  const sagas = new Map<string, { state: SagaStateName; data: string; gatewayOrderIds: Array<string>; updatedAt: number }>()
  return {
    create: (orderId: string, data: string) => {
      if (sagas.has(orderId)) return "exists" as const
      sagas.set(orderId, { state: "STARTED", data, gatewayOrderIds: [], updatedAt: Date.now() })
      return "created" as const
    },
    transition: (orderId: string, to: SagaStateName, data?: string) => {
      const record = sagas.get(orderId)
      if (record === undefined || !allowed[to].includes(record.state)) return false
      record.state = to
      if (data !== undefined) record.data = data
      record.updatedAt = Date.now()
      return true
    }
  }
}
