#!/usr/bin/env node
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { CliError, Command } from "effect/cli"
import { signalTeardown } from "@orchestra/http/server/teardown"
import { orchestra, VERSION } from "./Cli.ts"
import { UsageError } from "./CliFailure.ts"

// Parse errors have been printed with the command's help; they are bad usage, exit 2.
const asUsage = (error: CliError.CliError) =>
  error._tag === "ShowHelp" && error.errors.length === 0
    ? Effect.void
    : Effect.fail(new UsageError({ message: error._tag === "ShowHelp" ? "" : error.message }))

const main = Command.run(orchestra, { version: VERSION }).pipe(
  Effect.catchIf(CliError.isCliError, asUsage),
  Effect.tapError((error) => (error.message.length === 0 ? Effect.void : Console.error(`error: ${error.message}`))),
  Effect.provide(NodeServices.layer)
)

// A signal stops `serve` by draining it: a clean stop (exit 0), as `pnpm start` has it.
NodeRuntime.runMain(main, { teardown: signalTeardown })
