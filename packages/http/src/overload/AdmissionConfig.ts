import { type LimitSetting, LimitSettingSchema, limitSetting } from "@orchestra/core/resilience/ConcurrencyLimit"
import { Config } from "effect"

export interface AdmissionSettings {
  /** Requests in flight: adaptive, fixed, or no gate at all. */
  readonly maxInFlight: LimitSetting
  /** Requests that may wait for a slot: as many as the current limit, or a fixed number. */
  readonly queue: "auto" | number
}

/** `ORCHESTRA_MAX_IN_FLIGHT` (auto) and `ORCHESTRA_ADMISSION_QUEUE` (auto); a bad value stops start-up. */
export const AdmissionConfig: Config.Config<AdmissionSettings> = Config.all({
  maxInFlight: limitSetting("ORCHESTRA_MAX_IN_FLIGHT"),
  queue: Config.schema(LimitSettingSchema, "ORCHESTRA_ADMISSION_QUEUE").pipe(
    Config.withDefault("auto" as const),
    Config.map((value) => (value === "off" ? 0 : value))
  )
})
