import { Effect, Exit, Layer } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { matchRoute } from "./ContractRoutes.ts"
import type { Interaction } from "./Fixture.ts"
import { parseJsonOrText, pathOf, requestBodyJson } from "./requestBody.ts"

/** Where a recording client puts what it saw; `recording()` false lets calls through unrecorded (setup). */
export interface RecordingSink {
  readonly recording: () => boolean
  readonly record: (interaction: Interaction) => void
  /** Calls sent and not yet answered or given up on, so a recorder can wait for stragglers. */
  readonly inFlight: { count: number }
}

export const makeRecordingSink = (): RecordingSink & { readonly interactions: Array<Interaction>; on: boolean } => {
  const interactions: Array<Interaction> = []
  const sink = {
    interactions,
    on: false,
    inFlight: { count: 0 },
    recording: () => sink.on,
    record: (interaction: Interaction) => {
      interactions.push(interaction)
    }
  }
  return sink
}

const bodiless = new Set([204, 205, 304])

/** Milliseconds to a tenth: loopback calls take well under one. */
const elapsedSince = (started: number) => Math.round((performance.now() - started) * 10) / 10

/**
 * Wraps the live `HttpClient` so that every downstream call is written to `sink` with its status,
 * body and latency (wall-clock: recording runs against real services). A call that never answers
 * (the orchestrator's timeout interrupted it) or fails in transport is recorded with `status:
 * null`, which a replay answers by not answering. Requests outside the contracts pass through.
 */
export const recordingLayer = (sink: RecordingSink) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.gen(function* () {
      const live = yield* HttpClient.HttpClient
      return HttpClient.make((request, url) => {
        const found = matchRoute(request.method, url.pathname)
        if (found === undefined || !sink.recording()) return live.execute(request)
        const base = {
          service: found.route.service,
          endpoint: found.route.endpoint,
          method: found.route.method,
          path: pathOf(url),
          request_body: requestBodyJson(request)
        } satisfies Partial<Interaction>
        const started = performance.now()
        sink.inFlight.count++
        return live.execute(request).pipe(
          Effect.flatMap((response) =>
            Effect.map(response.text, (text) => {
              sink.record({
                ...base,
                status: response.status,
                response_body: parseJsonOrText(text),
                latency_ms: elapsedSince(started)
              })
              // The body was read here; the caller gets the same bytes in a fresh response.
              return HttpClientResponse.fromWeb(
                request,
                new Response(bodiless.has(response.status) ? null : text, { status: response.status, headers: response.headers })
              )
            })
          ),
          Effect.onExit((exit) =>
            Effect.sync(() => {
              sink.inFlight.count--
              if (Exit.isFailure(exit)) {
                sink.record({ ...base, status: null, response_body: null, latency_ms: elapsedSince(started) })
              }
            })
          )
        )
      })
    })
  )
