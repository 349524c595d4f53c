import { Redis } from "ioredis"

/**
 * Whether a Redis answers PING at `url` within a second, asked once and without retries: lets
 * the tests and the bench skip (or, in CI, fail) what needs a Redis before they depend on one.
 */
export const redisAnswers = async (url: string): Promise<boolean> => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1_000, retryStrategy: () => null })
  // The failing connect reports the error; without a listener ioredis would also print it.
  client.on("error", () => {})
  try {
    await client.connect()
    return (await client.ping()) === "PONG"
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}
