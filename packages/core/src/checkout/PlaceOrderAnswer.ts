import { Schema } from "effect"
import { ApiErrors } from "../domain/Errors.ts"
import { PlaceOrderResponse } from "./PlaceOrderResponse.ts"

/**
 * What a place-order request is answered, decided once by the checkout workflow and kept in the
 * registry: every request with the same key, on any process, gets exactly this.
 */
export const PlaceOrderAnswer = Schema.Union([
  Schema.TaggedStruct("Placed", { response: PlaceOrderResponse }),
  Schema.TaggedStruct("Refused", { error: Schema.Union(ApiErrors) })
])
export type PlaceOrderAnswer = typeof PlaceOrderAnswer.Type

const AnswerJson = Schema.fromJsonString(PlaceOrderAnswer)
export const encodeAnswer = Schema.encodeSync(AnswerJson)
export const decodeAnswer = Schema.decodeUnknownEffect(AnswerJson)
