import { Exit, Option } from "effect"
import { DownstreamFailure } from "../services/DownstreamErrors.ts"

/**
 * A failure that may go away if the same call is made again (DESIGN §7): no answer (transport),
 * no answer in time, or a 5xx. A 4xx, a declared refusal or a body that breaks the contract
 * would come back the same.
 */
export const isTransient = (error: unknown): boolean =>
  error instanceof DownstreamFailure &&
  (error.reason === "Transport" || error.reason === "Timeout" || (error.reason === "Status" && (error.status ?? 500) >= 500))

/** What one finished call says about the health of the service it called. */
export type Verdict = "success" | "failure" | "ignored"

/**
 * Only transient failures count against a service. Any other answer — a result, a declared
 * refusal (404/409), another 4xx — shows the service answering. A call cut short by the request's
 * deadline, a body that breaks the contract, a defect of ours or a call we never made says
 * nothing either way.
 */
export const verdictOf = (exit: Exit.Exit<unknown, unknown>): Verdict => {
  if (Exit.isSuccess(exit)) return "success"
  const error = Option.getOrUndefined(Exit.findErrorOption(exit))
  if (isTransient(error)) return "failure"
  return answered(error) ? "success" : "ignored"
}

const answered = (error: unknown): boolean =>
  (error instanceof DownstreamFailure && error.reason === "Status") ||
  (typeof error === "object" &&
    error !== null &&
    "_tag" in error &&
    (error._tag === "ResourceNotFound" || error._tag === "ResourceConflict"))
