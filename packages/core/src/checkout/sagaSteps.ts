import { Effect, Exit, Option, Random, Result, Schema } from "effect"
import { Activity, type WorkflowEngine } from "effect/workflow"
import { DeadlineExceeded, DownstreamError, DownstreamTimeout, DownstreamUnavailable } from "../domain/Errors.ts"
import { recordStuckStep } from "../observability/Telemetry.ts"
import { RequestContext, type RequestContextShape } from "../runtime/RequestContext.ts"
import { ResourceConflict, ResourceNotFound } from "../services/DownstreamErrors.ts"

/** A declared 404/409: the service answered, and the answer is no. */
export const Refusal = Schema.Union([ResourceNotFound, ResourceConflict])
export type Refusal = typeof Refusal.Type
export const isRefusal = (error: unknown): error is Refusal => error instanceof ResourceNotFound || error instanceof ResourceConflict

/** No answer after the step runner's retries: a 5xx, a timeout, no connection, an open breaker. */
export const StepFailure = Schema.Union([DownstreamError, DownstreamUnavailable, DownstreamTimeout, DeadlineExceeded])
export type StepFailure = typeof StepFailure.Type

/**
 * A step's recorded outcome. The value is stored encoded (JSON, money in major units) and decoded
 * by the workflow with the step's own schema, so every step keeps its exact type.
 */
const RecordedOutcome = Schema.Union([
  Schema.TaggedStruct("Done", { value: Schema.Unknown }),
  Schema.TaggedStruct("Refused", { error: Refusal }),
  Schema.TaggedStruct("Failed", { error: StepFailure })
])
const RecordedAnswer = Schema.Union([
  Schema.TaggedStruct("Done", { value: Schema.Unknown }),
  Schema.TaggedStruct("Refused", { error: Refusal })
])

/**
 * What one downstream call of the saga came to, recorded with the execution so that a replay
 * decides exactly as the first run did. `Failed` is no answer: for a write it may or may not have
 * happened, which only the same call, sent again with the same key, can tell.
 */
export type StepOutcome<A> =
  | { readonly _tag: "Done"; readonly value: A }
  | { readonly _tag: "Refused"; readonly error: Refusal }
  | { readonly _tag: "Failed"; readonly error: StepFailure }

/** The outcome of a step that runs until the service answers. */
export type Answered<A> = Exclude<StepOutcome<A>, { readonly _tag: "Failed" }>

/** A value a step returns, with the codec it is recorded with. */
export type Recorded<A> = Schema.Codec<A, unknown>

/** What every step of one execution shares: where its calls are journalled and how long each try may take. */
export interface SagaRun {
  readonly executionId: string
  /** The request that started the checkout: its id goes downstream with every call. */
  readonly requestId: string
  /** Each try of a step gets this long, as a request would. */
  readonly budgetMs: number
  /** Records a try's downstream calls for operators (`orchestra checkout show`); never fails. */
  readonly journal: (activity: string, tried: RequestContextShape) => Effect.Effect<void>
}

type Call<A> = Effect.Effect<A, Refusal | StepFailure, RequestContext>

/** A downstream call of the saga with the schema its answer is recorded with. */
export interface StepCall<A> {
  readonly success: Recorded<A>
  readonly call: Call<A>
}

/** An effect of the workflow body: it runs inside an execution and never fails. */
export type Durable<A> = Effect.Effect<A, never, WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance>

/**
 * One try: the call under a fresh request context (its own deadline and trace), journalled.
 * Failures other than the call's answers — defects, interruption — stay failures, so the engine
 * runs the activity again rather than recording them.
 */
const attempt = <A>(run: SagaRun, activity: string, success: Recorded<A>, call: Call<A>): Effect.Effect<StepOutcome<unknown>> =>
  Effect.gen(function* () {
    const context = yield* RequestContext.make({ requestId: run.requestId, deadlineMs: run.budgetMs })
    const exit = yield* Effect.exit(Effect.provideService(call, RequestContext, context))
    yield* run.journal(activity, context)
    if (Exit.isSuccess(exit)) return { _tag: "Done", value: yield* Effect.orDie(Schema.encodeEffect(success)(exit.value)) } as const
    const error = Exit.findErrorOption(exit)
    // A defect or an interruption: no outcome to record, the engine runs the activity again.
    if (Option.isNone(error)) return yield* Effect.orDie(Effect.failCause(exit.cause))
    return isRefusal(error.value) ? ({ _tag: "Refused", error: error.value } as const) : ({ _tag: "Failed", error: error.value } as const)
  })

/**
 * A downstream call as a saga step: tried once (with the step runner's own retries for reads and
 * keyed writes), its outcome recorded durably. Activities run at least once: every write passed
 * here carries an idempotency key, so a re-run after a crash acts once.
 */
export const step = <A>(run: SagaRun, name: string, { success, call }: StepCall<A>): Durable<StepOutcome<A>> =>
  Activity.make({ name, success: RecordedOutcome, execute: attempt(run, name, success, call) }).pipe(
    Effect.flatMap((outcome) => decodeOutcome(success, outcome))
  )

function decodeOutcome<A>(success: Recorded<A>, outcome: Answered<unknown>): Effect.Effect<Answered<A>>
function decodeOutcome<A>(success: Recorded<A>, outcome: StepOutcome<unknown>): Effect.Effect<StepOutcome<A>>
function decodeOutcome<A>(success: Recorded<A>, outcome: StepOutcome<unknown>): Effect.Effect<StepOutcome<A>> {
  switch (outcome._tag) {
    case "Done":
      return Effect.map(Effect.orDie(Schema.decodeUnknownEffect(success)(outcome.value)), (value) => ({ _tag: "Done", value }))
    case "Refused":
    case "Failed":
      return Effect.succeed(outcome)
  }
}

/** Every STUCK_EVERY-th failure in a row of a must-succeed step pages an operator. */
const STUCK_EVERY = 10
const BACKOFF_BASE_MS = 200
const BACKOFF_CAP_MS = 30_000

/** Capped full jitter, as the step runner's retries, but unbounded in count. */
const backoff = (failures: number) =>
  Random.nextIntBetween(0, Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures, 20)))

/**
 * Runs `tryOnce` until it gives a value, backing off between tries; every STUCK_EVERY-th failure
 * in a row is logged as an error and counted, for an operator.
 */
const untilDone = <A, E>(run: SagaRun, name: string, tryOnce: Effect.Effect<Result.Result<A, E>>, describe: (failure: E) => string) =>
  Effect.gen(function* () {
    let failures = 0
    while (true) {
      const result = yield* tryOnce
      if (Result.isSuccess(result)) return result.success
      failures++
      if (failures % STUCK_EVERY === 0) {
        yield* Effect.logError("checkout step keeps failing; still retrying", {
          execution_id: run.executionId,
          step: name,
          failures,
          error: describe(result.failure)
        })
        yield* recordStuckStep(name)
      }
      yield* Effect.sleep(yield* backoff(failures))
    }
  })

const untilAnswered = <A>(run: SagaRun, name: string, success: Recorded<A>, call: Call<A>): Effect.Effect<Answered<unknown>> =>
  untilDone(
    run,
    name,
    Effect.map(attempt(run, name, success, call), (outcome) => (outcome._tag === "Failed" ? Result.fail(outcome.error) : Result.succeed(outcome))),
    (error) => error.message
  )

/**
 * A step that must happen — an undo, or anything after the stock is deducted (DESIGN §6: "undo
 * steps are retried until they succeed", "once stock is deducted, the saga only goes forward"):
 * tried until the service answers, done or refused, backing off up to 30 s between tries.
 */
export const mustStep = <A>(run: SagaRun, name: string, { success, call }: StepCall<A>): Durable<Answered<A>> =>
  Activity.make({ name, success: RecordedAnswer, execute: untilAnswered(run, name, success, call) }).pipe(
    Effect.flatMap((outcome) => decodeOutcome(success, outcome))
  )

/**
 * The saga's own bookkeeping (the registry, the cart's hold): retried until it is written. It
 * never decides anything, so it can never undo an order (a store blip at the end of a completed
 * checkout must not cancel it).
 */
export const bookkeeping = <A, E>(run: SagaRun, name: string, success: Schema.Codec<A, unknown>, write: Effect.Effect<A, E>): Durable<A> =>
  Activity.make({
    name,
    success,
    execute: untilDone(run, name, Effect.result(write), String)
  })

/**
 * Undos of the steps done so far, run last-first when the saga rolls back (DESIGN §6). The list
 * lives in the workflow body: a replay rebuilds it from the recorded outcomes, so a rollback
 * interrupted by a crash resumes with the same undos, and the ones already done answer from
 * storage.
 */
export const makeCompensations = () => {
  const undos: Array<Undo> = []
  return {
    add: (undo: Undo) => {
      undos.push(undo)
    },
    get isEmpty() {
      return undos.length === 0
    },
    /** Every undo, last first, each to its end; `reason` says why (an order is cancelled with it). */
    runAll: (reason: string): Durable<void> => Effect.suspend(() => Effect.forEach([...undos].reverse(), (undo) => undo(reason), { discard: true }))
  }
}

/** An undo of one completed step, told why the saga rolls back. */
export type Undo = (reason: string) => Durable<void>
export type Compensations = ReturnType<typeof makeCompensations>

/**
 * A keyed write whose undo is registered by its outcome: done → undo what it made; failed (no
 * answer) → first send the same write again with its key to learn what it made, then undo that
 * (a write that timed out but happened is undone too); refused → nothing was made.
 */
export const undoable = <A>(
  run: SagaRun,
  compensations: Compensations,
  name: string,
  write: StepCall<A>,
  undo: (made: A, reason: string) => Durable<void>
): Durable<StepOutcome<A>> => Effect.tap(step(run, name, write), (outcome) => registerUndo(run, compensations, name, write, outcome, undo))

/**
 * Registers the undo `outcome` calls for (see `undoable`); separate for writes run side by side,
 * whose undos are registered in a fixed order once all of them have answered.
 */
export const registerUndo = <A>(
  run: SagaRun,
  compensations: Compensations,
  name: string,
  write: StepCall<A>,
  outcome: StepOutcome<A>,
  undo: (made: A, reason: string) => Durable<void>
): Effect.Effect<void> =>
  Effect.sync(() => {
    if (outcome._tag === "Done") compensations.add((reason) => undo(outcome.value, reason))
    if (outcome._tag === "Failed") {
      compensations.add((reason) =>
        Effect.flatMap(mustStep(run, `learn:${name}`, write), (learned) => (learned._tag === "Done" ? undo(learned.value, reason) : Effect.void))
      )
    }
  })
