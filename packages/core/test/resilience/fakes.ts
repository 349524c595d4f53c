import { Deferred, Effect, type Random, Ref } from "effect"
import { RequestContext, type RequestContextShape } from "../../src/runtime/RequestContext.ts"
import { DownstreamFailure } from "../../src/services/DownstreamErrors.ts"

export const status = (service: string, code: number) =>
  new DownstreamFailure({ service, endpoint: `${service}.call`, reason: "Status", status: code, message: `answered HTTP ${code}` })

/**
 * A downstream call that fails with `failure` on its first `failures` calls and answers `ok` after,
 * counting its calls. `started` completes when the first call begins.
 */
export const flaky = <E>(failures: number, failure: E) =>
  Effect.gen(function* () {
    const calls = yield* Ref.make(0)
    const started = yield* Deferred.make<void>()
    const call = Effect.flatMap(Ref.updateAndGet(calls, (n) => n + 1), (n) =>
      Effect.andThen(Deferred.succeed(started, undefined), n <= failures ? Effect.fail(failure) : Effect.succeed("ok"))
    )
    return { call, calls: Ref.get(calls), started: Deferred.await(started) }
  })

/** A downstream call that hangs until released, counting its calls and remembering what it saw. */
export const gated = <A>(answer: A, observe: Effect.Effect<unknown> = Effect.void) =>
  Effect.gen(function* () {
    const calls = yield* Ref.make(0)
    const seen = yield* Ref.make<ReadonlyArray<unknown>>([])
    const started = yield* Deferred.make<void>()
    const gate = yield* Deferred.make<void>()
    const call = Effect.gen(function* () {
      yield* Ref.update(calls, (n) => n + 1)
      const value = yield* observe
      yield* Ref.update(seen, (all) => [...all, value])
      yield* Deferred.succeed(started, undefined)
      yield* Deferred.await(gate)
      return answer
    })
    return {
      call,
      calls: Ref.get(calls),
      seen: Ref.get(seen),
      started: Deferred.await(started),
      release: Deferred.succeed(gate, undefined)
    }
  })

/** Runs `effect` as a step of a request that started now, with `deadlineMs` to go. */
export const inRequest = <A, E, R>(effect: Effect.Effect<A, E, R>, deadlineMs = 5_000) =>
  Effect.gen(function* () {
    const context = yield* RequestContext.make({ requestId: "req_test", deadlineMs })
    return yield* Effect.provideService(effect, RequestContext, context)
  })

export const withContext = <A, E, R>(context: RequestContextShape, effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, RequestContext, context)

/** A `Random` whose every draw is the largest the range allows, so each jittered delay is its bound. */
export const maxRandom: Random.Random = { nextIntUnsafe: () => Number.MAX_SAFE_INTEGER, nextDoubleUnsafe: () => 1 - 1e-12 }
/** A `Random` whose every draw is 0, so each jittered delay is 0. */
export const zeroRandom: Random.Random = { nextIntUnsafe: () => 0, nextDoubleUnsafe: () => 0 }

export const read = (name: string) => ({ name, kind: "read" as const })
export const write = (name: string, idempotent = false) => ({ name, kind: "write" as const, idempotent })
