import { Context } from "effect"
import type { AdmissionStats } from "./AdmissionGate.ts"

export interface AdmissionShape {
  /** The gate's figures for `/metrics`; none without a gate. */
  readonly stats: () => AdmissionStats | undefined
  /**
   * When the gate first saw the request (epoch ms), from which its deadline runs; none without a
   * gate. Asked with the framework request's `source`, the Node request.
   */
  readonly arrivedAt: (source: unknown) => number | undefined
}

/** No gate: every request runs at once, and starts its deadline when the app sees it. */
export const ungated: AdmissionShape = { stats: () => undefined, arrivedAt: () => undefined }

/**
 * The admission gate in front of the server, as the rest of the app sees it. A server on a port
 * (`serverFromConfig`) has one; the in-process test servers have none.
 */
export const Admission = Context.Reference<AdmissionShape>("orchestra/http/Admission", { defaultValue: () => ungated })
