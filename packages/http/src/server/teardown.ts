import { Runtime } from "effect"

/**
 * SIGTERM interrupts the server, which drains and closes: a clean stop, so exit 0 rather than
 * the 130 of an aborted run. Failures keep their exit codes.
 */
export const signalTeardown: Runtime.Teardown = (exit, onExit) =>
  Runtime.defaultTeardown(exit, (code) => onExit(code === 130 ? 0 : code))
