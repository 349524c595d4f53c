import { Config, Effect, Option } from "effect"

/**
 * Orchestrator settings that change what is sent downstream or how steps are timed out and
 * retried; recorded so a replay behaves as the recorded process did.
 */
export const RECORDED_SETTINGS = [
  "ORCHESTRA_CURRENCY",
  "ORCHESTRA_SUGGESTION_WEIGHTS",
  "ORCHESTRA_REQUEST_DEADLINE_MS",
  "ORCHESTRA_READ_TIMEOUT_MS",
  "ORCHESTRA_WRITE_TIMEOUT_MS",
  "ORCHESTRA_RETRIES",
  "ORCHESTRA_RETRY_BASE_MS",
  "ORCHESTRA_RETRY_CAP_MS",
  "ORCHESTRA_BREAKER_FAILURES",
  "ORCHESTRA_BREAKER_COOLDOWN_MS",
  "ORCHESTRA_BULKHEAD_LIMIT",
  "ORCHESTRA_BULKHEAD_QUEUE"
] as const

/** The orchestrator settings worth recording, as the environment has them. */
export const recordedSettingsFromEnv: Effect.Effect<Record<string, string>> = Effect.gen(function* () {
  const settings: Record<string, string> = {}
  for (const name of RECORDED_SETTINGS) {
    const value = yield* Config.option(Config.String(name)).pipe(Effect.orElseSucceed(() => Option.none<string>()))
    if (Option.isSome(value) && value.value.length > 0) settings[name] = value.value
  }
  return settings
})
