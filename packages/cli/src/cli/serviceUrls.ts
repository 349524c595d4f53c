import { Config, Effect, Option } from "effect"
import { urlEnvOf } from "@orchestra/core/services/Downstream"
import { downstreamServices } from "@orchestra/core/services/index"
import { UsageError } from "../CliFailure.ts"

/**
 * Every `*_SERVICE_URL` a live recording needs: `--url service=URL` first, then the environment,
 * then `--service-url` (one base URL for every service, as the sandbox server serves them all).
 */
export const resolveServiceUrls = (flags: {
  readonly serviceUrl: Option.Option<string>
  readonly urls: Readonly<Record<string, string>>
}): Effect.Effect<Record<string, string>, UsageError> =>
  Effect.gen(function* () {
    const unknown = Object.keys(flags.urls).filter((service) => !downstreamServices.some((s) => s === service))
    if (unknown.length > 0) {
      return yield* new UsageError({ message: `--url ${unknown.join(", ")}: no such service (known: ${downstreamServices.join(", ")})` })
    }
    const resolved: Record<string, string> = {}
    const missing: Array<string> = []
    for (const service of downstreamServices) {
      const variable = urlEnvOf(service)
      const fromEnv = yield* Config.option(Config.String(variable)).pipe(Effect.orElseSucceed(() => Option.none<string>()))
      const url = flags.urls[service] ?? Option.getOrUndefined(Option.filter(fromEnv, (v) => v.length > 0)) ?? Option.getOrUndefined(flags.serviceUrl)
      if (url === undefined) missing.push(variable)
      else resolved[variable] = url
    }
    if (missing.length > 0) {
      return yield* new UsageError({
        message: `no URL for ${missing.join(", ")}: set them, or pass --service-url URL, --url service=URL, or --sandbox`
      })
    }
    return resolved
  })
