import { Data, Runtime } from "effect"

/**
 * Bad usage or bad input: an unknown flag value, a fixture that does not decode or lacks an
 * interaction, a scenario file that does not parse. Exit code 2, as CLI conventions have it.
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {
  override readonly [Runtime.errorExitCode] = 2
  // The bin writes the message to stderr itself; `false` stops the runtime logging it again.
  override readonly [Runtime.errorReported] = false
}

/** The command ran and what it ran failed: a flow answered an error, a scenario step missed. Exit 1. */
export class RunFailed extends Data.TaggedError("RunFailed")<{ readonly message: string }> {
  override readonly [Runtime.errorExitCode] = 1
  override readonly [Runtime.errorReported] = false
}
