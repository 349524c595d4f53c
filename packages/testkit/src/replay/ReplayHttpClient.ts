import { Clock, Context, Data, Effect, Layer } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import type { HttpClientRequest } from "effect/http"
import { applyFaults } from "../faults/applyFaults.ts"
import { FaultInjector } from "../faults/FaultInjector.ts"
import { matchRoute } from "./ContractRoutes.ts"
import type { Fixture, Interaction } from "./Fixture.ts"
import { callName, closestInteraction, describeCall, explainDifference, matches, type OutgoingCall } from "./InteractionMatch.ts"
import { pathOf, requestBodyJson } from "./requestBody.ts"

/**
 * A downstream call the fixture has no answer for. It is a defect of the simulation, not a
 * failure of the flow: the flow stops at once rather than retrying or degrading around it.
 */
export class ReplayMiss extends Data.TaggedError("ReplayMiss")<{
  readonly message: string
  readonly call: string
  readonly closest: string | undefined
}> {}

/** How one downstream call was answered during a replay, for the timeline. */
export interface ReplayEntry {
  readonly step: string
  readonly method: string
  readonly path: string
  /** Clock time the call was made. */
  readonly at: number
  /** The status answered, or `timeout` for a call never answered. */
  readonly answer: number | "timeout"
  /**
   * `what-if` when a `--what-if` fault answered instead of the fixture; `approximate` when the
   * recorded answer was to a different request of the same endpoint and path (see `note`).
   */
  readonly source: "fixture" | "what-if" | "approximate"
  /** For an approximate answer: how the request differed from the recorded one. */
  readonly note?: string
}

/** What a replay saw: its answers, its misses and the interactions nothing asked for. */
export class Replay extends Context.Service<
  Replay,
  {
    readonly entries: () => ReadonlyArray<ReplayEntry>
    readonly misses: () => ReadonlyArray<ReplayMiss>
    readonly unused: () => ReadonlyArray<Interaction>
  }
>()("orchestra/testkit/Replay") {}

export interface ReplayOptions {
  /** Wait each interaction's recorded latency before answering (on whatever Clock runs the flow). */
  readonly honourLatency: boolean
  /**
   * When no interaction matches exactly, answer with one of the same endpoint and path. A what-if
   * changes what later steps send (no promotions, so `compute` gets another body); without this,
   * every what-if on an optional step would end in a miss. Such answers are marked `approximate`.
   */
  readonly approximate: boolean
}

/** Statuses whose responses carry no body by definition. */
const bodiless = new Set([204, 205, 304])

const respond = (request: HttpClientRequest.HttpClientRequest, status: number, body: unknown) =>
  HttpClientResponse.fromWeb(
    request,
    new Response(bodiless.has(status) || body === null ? null : JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" }
    })
  )

/** The first unused interaction that fits, else the last that fits (a retry meets the same answer). */
const pick = (interactions: ReadonlyArray<Interaction>, used: ReadonlySet<number>, fits: (interaction: Interaction) => boolean) => {
  const candidates = interactions.flatMap((interaction, index) => (fits(interaction) ? [index] : []))
  return candidates.find((index) => !used.has(index)) ?? candidates.at(-1)
}

const sameEndpointAndPath = (call: OutgoingCall, interaction: Interaction) =>
  interaction.service === call.service &&
  interaction.endpoint === call.endpoint &&
  interaction.method === call.method &&
  interaction.path === call.path

const missOf = (call: OutgoingCall, interactions: ReadonlyArray<Interaction>): ReplayMiss => {
  const closest = closestInteraction(call, interactions)
  const name = describeCall(call)
  const message =
    closest === undefined
      ? `The fixture has no interaction for ${name}, and records no interactions at all`
      : `The fixture has no interaction for ${name}. Closest recorded: ${describeCall(closest)}; ${explainDifference(call, closest)}`
  return new ReplayMiss({ message, call: name, closest: closest === undefined ? undefined : describeCall(closest) })
}

/**
 * An `HttpClient` that answers every downstream request from a fixture: the first unused
 * interaction with the same service, method, path and body (the last one again once all are
 * used, as a retry would meet). `--what-if` faults come from the `FaultInjector` and act as the
 * sandbox's faults do: a latency adds to the recorded one, an error status answers instead of the
 * fixture, a timeout never answers. Provides the `HttpClient` and the `Replay` record.
 */
export const replayLayer = (fixture: Fixture, options: ReplayOptions) =>
  Layer.effectContext(
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      const interactions = fixture.interactions
      const used = new Set<number>()
      const entries: Array<ReplayEntry> = []
      const misses: Array<ReplayMiss> = []

      const fail = (miss: ReplayMiss) =>
        Effect.suspend(() => {
          misses.push(miss)
          return Effect.die(miss)
        })

      const fromFixture = (request: HttpClientRequest.HttpClientRequest, call: OutgoingCall, at: number) =>
        Effect.suspend(() => {
          const exact = pick(interactions, used, (interaction) => matches(call, interaction))
          const index =
            exact ?? (options.approximate ? pick(interactions, used, (interaction) => sameEndpointAndPath(call, interaction)) : undefined)
          const interaction = index === undefined ? undefined : interactions[index]
          if (index === undefined || interaction === undefined) return fail(missOf(call, interactions))
          used.add(index)
          const note = exact === undefined ? explainDifference(call, interaction) : undefined
          const log = (answer: ReplayEntry["answer"]) =>
            entries.push({
              step: callName(call),
              method: call.method,
              path: call.path,
              at,
              answer,
              ...(note === undefined ? { source: "fixture" } : { source: "approximate", note })
            })
          const status = interaction.status
          if (status === null) {
            // Recorded as never answered: the orchestrator's own timeout decides, as it did then.
            log("timeout")
            return Effect.never
          }
          const reply = Effect.sync(() => {
            log(status)
            return respond(request, status, interaction.response_body)
          })
          const wait = options.honourLatency ? interaction.latency_ms : 0
          return wait > 0 ? Effect.andThen(Effect.sleep(wait), reply) : reply
        })

      const client = HttpClient.make((request, url) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          const found = matchRoute(request.method, url.pathname)
          if (found === undefined) {
            return yield* fail(
              new ReplayMiss({
                message: `${request.method} ${pathOf(url)} is not an endpoint of any downstream contract`,
                call: `${request.method} ${pathOf(url)}`,
                closest: undefined
              })
            )
          }
          const call: OutgoingCall = {
            service: found.route.service,
            endpoint: found.route.endpoint,
            method: request.method,
            path: pathOf(url),
            body: requestBodyJson(request)
          }
          const faults = yield* injector.decide(call.service, call.endpoint)
          const whatIf = (answer: ReplayEntry["answer"]) =>
            entries.push({ step: callName(call), method: call.method, path: call.path, at, answer, source: "what-if" })
          // As applyFaults decides: the first error or timeout wins.
          const terminal = faults.find((fault) => fault._tag !== "Latency" && fault._tag !== "Hold")?._tag
          if (terminal === "Timeout" || terminal === "LostReply") whatIf("timeout")
          return yield* applyFaults(faults, fromFixture(request, call, at), (status) =>
            Effect.sync(() => {
              whatIf(status)
              return respond(request, status, { error: "what-if fault", step: callName(call) })
            })
          )
        })
      )

      return Context.make(HttpClient.HttpClient, client).pipe(
        Context.add(
          Replay,
          Replay.of({
            entries: () => entries,
            misses: () => misses,
            unused: () => interactions.filter((_, index) => !used.has(index))
          })
        )
      )
    })
  )
