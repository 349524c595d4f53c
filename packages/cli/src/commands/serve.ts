import { ConfigProvider, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { ServerConfig } from "@orchestra/http/config/ServerConfig"
import { JsonLogger, serverFromConfig } from "@orchestra/http/server/Server"
import { RunFailed, UsageError } from "../CliFailure.ts"

/**
 * The flags as the environment variables the server reads: a flag wins over the variable, so
 * `orchestra serve` and `pnpm start` read one configuration, validated in one place.
 */
const overrides = (flags: {
  readonly port: Option.Option<number>
  readonly redisUrl: Option.Option<string>
  readonly sandboxFaults: Option.Option<string>
  readonly mode: Option.Option<string>
}): Record<string, string> => ({
  ...Option.match(flags.port, { onNone: () => ({}), onSome: (port) => ({ PORT: String(port) }) }),
  ...Option.match(flags.redisUrl, { onNone: () => ({}), onSome: (url) => ({ REDIS_URL: url }) }),
  ...Option.match(flags.sandboxFaults, { onNone: () => ({}), onSome: (spec) => ({ ORCHESTRA_SANDBOX_FAULTS: spec }) }),
  ...Option.match(flags.mode, { onNone: () => ({}), onSome: (mode) => ({ ORCHESTRA_MODE: mode }) })
})

export const serveCommand = Command.make(
  "serve",
  {
    port: Flag.Int("port").pipe(Flag.withDescription("The port to listen on (PORT; default 3000; 0 picks a free one)"), Flag.optional),
    redisUrl: Flag.String("redis-url").pipe(
      Flag.withDescription("Redis for the cache, locks, idempotency keys and checkout state (REDIS_URL); without it, memory"),
      Flag.optional
    ),
    sandboxFaults: Flag.String("sandbox-faults").pipe(
      Flag.withDescription("Faults the sandbox simulators answer with (ORCHESTRA_SANDBOX_FAULTS), e.g. inventory.*=latency:200ms@0.5"),
      Flag.optional
    ),
    mode: Flag.Literals("mode", ["sandbox", "live"]).pipe(
      Flag.withDescription("sandbox (simulators) or live (every *_SERVICE_URL); default live when any URL is set (ORCHESTRA_MODE)"),
      Flag.optional
    )
  },
  (flags) =>
    Effect.gen(function* () {
      const config = yield* ServerConfig.load.pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({ ...process.env, ...overrides(flags) }))),
        Effect.mapError((error) => new UsageError({ message: error.message }))
      )
      return yield* Layer.launch(serverFromConfig(config).pipe(Layer.provide(JsonLogger))).pipe(
        Effect.mapError((error) => new RunFailed({ message: `the server stopped: ${error.message}` }))
      )
    })
).pipe(
  Command.withDescription(
    "Start the orchestrator's public HTTP API (what `pnpm start` runs): sandbox mode over the in-memory simulators unless downstream URLs are set. Flags override the environment. Stops cleanly on SIGTERM."
  ),
  Command.withExamples([
    { command: "orchestra serve", description: "The sandbox on port 3000, memory stores" },
    { command: "orchestra serve --port 8080 --redis-url redis://127.0.0.1:6379", description: "Shared state in Redis" },
    {
      command: "orchestra serve --sandbox-faults 'inventory.checkAvailability=latency:300ms,marketing.*=error:503@0.2'",
      description: "A sandbox with slow inventory and a flaky marketing service"
    },
    { command: "INVENTORY_SERVICE_URL=… ORCHESTRA_GATEWAY_SECRET=… orchestra serve --mode live", description: "Live, against real services" }
  ])
)
