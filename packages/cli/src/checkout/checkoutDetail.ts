import { Result, Schema } from "effect"
import { PlaceOrderAnswer } from "@orchestra/core/checkout/PlaceOrderAnswer"
import { format } from "@orchestra/core/domain/Money"
import type { CheckoutRecord, CheckoutStep } from "@orchestra/core/stores/CheckoutRegistry"
import { formatAge } from "../cli/durations.ts"
import { formatMs } from "../simulate/Timeline.ts"
import { checkoutSummary, columns, isoTime, orderText } from "./checkoutListing.ts"

/** A checkout as `show` reads it: its record and the journal of every downstream call its steps made. */
export interface CheckoutDetail {
  readonly record: CheckoutRecord
  readonly steps: ReadonlyArray<CheckoutStep>
}

const AnswerJson = Schema.fromJsonString(PlaceOrderAnswer)
const decodeAnswer = Schema.decodeUnknownResult(AnswerJson)
const encodeAnswer = Schema.encodeSync(PlaceOrderAnswer)

/** The journal in the order the calls started (steps run side by side are journalled as each ends). */
const timeline = (steps: ReadonlyArray<CheckoutStep>) => [...steps].sort((a, b) => a.started_at - b.started_at)

/** `+0.153 s` into the checkout, or `+15m 02s` once it has waited for a payment. */
const offsetText = (ms: number) => (ms < 60_000 ? `+${(Math.max(0, ms) / 1_000).toFixed(3)} s` : `+${formatAge(ms)}`)

/** What the client was answered, in one line: the order and its payments, or the refusal. */
const answerText = (answer: string | undefined): string => {
  if (answer === undefined) return "none yet (the client is told IDEMPOTENCY_IN_PROGRESS)"
  const decoded = decodeAnswer(answer)
  if (Result.isFailure(decoded)) return `unreadable by this version: ${decoded.failure.message}`
  const value = decoded.success
  if (value._tag === "Refused") return `refused: ${value.error._tag}: ${value.error.message}`
  const { order, payment } = value.response
  const payments = payment.map(
    (p) =>
      `${p.payment_mode}/${p.gateway} ${format(p.amount)} ${p.status}${p.gateway_order_id === undefined ? "" : ` (gateway order ${p.gateway_order_id})`}`
  )
  return `placed: order ${order.id} ${order.order_status}, ${format(order.total)} ${order.currency}; payments ${payments.join(", ")}`
}

/** The answer for machines: as the client got it (the PlaceOrderAnswer's encoded form), or the stored text if unreadable. */
const answerJson = (answer: string | undefined): unknown => {
  if (answer === undefined) return null
  const decoded = decodeAnswer(answer)
  return Result.isSuccess(decoded) ? encodeAnswer(decoded.success) : answer
}

export const detailJson = ({ record, steps }: CheckoutDetail, now: number) => ({
  ...checkoutSummary(record, now),
  answer: answerJson(record.answer),
  steps: timeline(steps).map((step) => ({
    activity: step.activity,
    step: step.step,
    outcome: step.outcome,
    attempts: step.attempts,
    started_at: isoTime(step.started_at),
    offset_ms: Math.round(step.started_at - record.created_at),
    duration_ms: Math.round(step.duration_ms * 10) / 10,
    ...(step.error === undefined ? {} : { error: step.error })
  }))
})

const outcomeText = (outcome: string) => (outcome === "failed" ? "FAILED" : outcome)

/**
 * `orchestra checkout show`: the checkout's record — state, times, order, gateway orders, the
 * answer it gave — then its steps as a timeline: when each downstream call started (from the
 * checkout's start), the saga activity it belongs to, its outcome, tries, duration and error.
 */
export const renderDetail = ({ record, steps }: CheckoutDetail, now: number): string => {
  const field = (name: string, value: string) => `  ${name.padEnd(15)}${value}`
  const lines = [
    `checkout ${record.execution_id} · ${record.state}`,
    field("client key", `${record.client_key} (owner ${record.scope})`),
    field("cart", record.cart_key),
    field("created", `${isoTime(record.created_at)} (${formatAge(now - record.created_at)} ago)`),
    field("updated", `${isoTime(record.updated_at)} (${formatAge(now - record.updated_at)} ago)`),
    field("order", orderText(record)),
    field("gateway orders", record.gateway_order_ids.length === 0 ? "-" : record.gateway_order_ids.join(", ")),
    ...(record.payment_window_ends_at === undefined ? [] : [field("payment window", `ends ${isoTime(record.payment_window_ends_at)}`)]),
    field("answer", answerText(record.answer)),
    ""
  ]
  if (steps.length === 0) return `${[...lines, "  (no downstream calls journalled)"].join("\n")}\n`
  const rows = columns([
    ["START", "ACTIVITY", "STEP", "OUTCOME", "TRIES", "TIME", "ERROR"],
    ...timeline(steps).map((step) => [
      offsetText(step.started_at - record.created_at),
      step.activity,
      step.step,
      outcomeText(step.outcome),
      String(step.attempts).padStart(5),
      formatMs(step.duration_ms).padStart(9),
      step.error ?? ""
    ])
  ])
  return `${[...lines, ...rows.map((row) => `  ${row}`), "", `  ${steps.length} downstream call${steps.length === 1 ? "" : "s"}`].join("\n")}\n`
}
