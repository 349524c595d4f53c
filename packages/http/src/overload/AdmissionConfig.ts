import { Config, Schema } from "effect"

/** `auto`: an adaptive limit; a number: that many at most; `off`: no admission control. */
const Setting = Schema.Union([Schema.Literals(["auto", "off"]), Schema.NumberFromString.pipe(Schema.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)))])

export interface AdmissionSettings {
  /** Requests in flight: adaptive, fixed, or no gate at all. */
  readonly maxInFlight: "auto" | "off" | number
  /** Requests that may wait for a slot: as many as the current limit, or a fixed number. */
  readonly queue: "auto" | number
}

/** `ORCHESTRA_MAX_IN_FLIGHT` (auto) and `ORCHESTRA_ADMISSION_QUEUE` (auto); a bad value stops start-up. */
export const AdmissionConfig: Config.Config<AdmissionSettings> = Config.all({
  maxInFlight: Config.schema(Setting, "ORCHESTRA_MAX_IN_FLIGHT").pipe(
    Config.withDefault("auto" as const),
    Config.map((value) => (value === 0 ? "off" : value))
  ),
  queue: Config.schema(Setting, "ORCHESTRA_ADMISSION_QUEUE").pipe(
    Config.withDefault("auto" as const),
    Config.map((value) => (value === "off" ? 0 : value))
  )
})
