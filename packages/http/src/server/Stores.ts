import { AbuseLimits } from "@orchestra/core/limits/AbuseLimits"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock } from "@orchestra/core/stores/CartLock"
import { IdempotencyStore } from "@orchestra/core/stores/IdempotencyStore"
import { RedisConnection } from "@orchestra/core/stores/RedisConnection"
import { Layer } from "effect"
import { CartMutex } from "../concurrency/CartMutex.ts"
import { Readiness } from "../ops/Readiness.ts"

/** One process only: what the sandbox and tests run on when no `REDIS_URL` is set. */
export const MemoryStores = CartMutex.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(
      CartCache.layerMemory,
      CartLock.layerMemory,
      IdempotencyStore.layerMemory,
      AbuseLimits.layerMemory,
      Readiness.layerMemory
    ))
)

/** Shared by every instance through one Redis connection (`REDIS_URL`), closed at shutdown. */
export const RedisStores = CartMutex.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(
      CartCache.layerRedis,
      CartLock.layerRedis,
      IdempotencyStore.layerRedis,
      AbuseLimits.layerRedis,
      Readiness.layerRedis
    )),
  Layer.provide(RedisConnection.layer)
)
