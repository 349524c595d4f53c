import { Deferred, Effect } from "effect"

/**
 * Wakes the fibers of this process waiting on a key when it changes: one Deferred per key,
 * completed and dropped on every change, so each waiter looks again.
 */
export const makeChangeSignals = () => {
  const changes = new Map<string, Deferred.Deferred<void>>()
  return {
    /** Completes at the key's next change. Take it before reading, so a change in between is not missed. */
    next: (key: string) => {
      let change = changes.get(key)
      if (change === undefined) {
        change = Deferred.makeUnsafe<void>()
        changes.set(key, change)
      }
      return change
    },
    changed: (key: string) =>
      Effect.suspend(() => {
        const change = changes.get(key)
        changes.delete(key)
        return change === undefined ? Effect.void : Effect.asVoid(Deferred.succeed(change, undefined))
      }),
    forget: (key: string) => {
      changes.delete(key)
    }
  }
}
