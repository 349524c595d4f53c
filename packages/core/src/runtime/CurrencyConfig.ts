import { Config, Effect, Schema } from "effect"
import { Currency } from "../domain/Money.ts"

/** The currency new carts open in (`ORCHESTRA_CURRENCY`, default INR); a bad code stops start-up. */
export const CurrencyConfig = Config.String("ORCHESTRA_CURRENCY").pipe(
  Config.withDefault("INR"),
  Effect.flatMap((code) => Effect.orDie(Schema.decodeUnknownEffect(Currency)(code)))
)
