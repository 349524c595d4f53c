import type { CheckoutRecord } from "@orchestra/core/stores/CheckoutRegistry"
import { formatAge } from "../cli/durations.ts"

export const isoTime = (ms: number) => new Date(ms).toISOString()

/** A checkout for machines: times in ISO 8601 (UTC), no request fingerprint, no answer. */
export const checkoutSummary = (record: CheckoutRecord, now: number) => ({
  execution_id: record.execution_id,
  state: record.state,
  created_at: isoTime(record.created_at),
  updated_at: isoTime(record.updated_at),
  age_seconds: Math.max(0, Math.floor((now - record.created_at) / 1_000)),
  ...(record.order_id === undefined ? {} : { order_id: record.order_id }),
  ...(record.order_number === undefined ? {} : { order_number: record.order_number }),
  scope: record.scope,
  client_key: record.client_key,
  cart_key: record.cart_key,
  gateway_order_ids: record.gateway_order_ids,
  ...(record.payment_window_ends_at === undefined ? {} : { payment_window_ends_at: isoTime(record.payment_window_ends_at) })
})

/** `ord_1 / ORD-0001`, or `-` before phase 1 has created the order. */
export const orderText = (record: CheckoutRecord) =>
  record.order_id === undefined ? "-" : `${record.order_id}${record.order_number === undefined ? "" : ` / ${record.order_number}`}`

/** Rows of cells as columns, each as wide as its widest cell; the last one unpadded. */
export const columns = (rows: ReadonlyArray<ReadonlyArray<string>>): ReadonlyArray<string> => {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)))
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join("  ").trimEnd())
}

/**
 * `orchestra checkout list`: one line per checkout, oldest first — its state, age, order, the
 * client's key, the cart and the execution id `show` takes — then how many, and whether the limit
 * cut the list short.
 */
export const renderList = (records: ReadonlyArray<CheckoutRecord>, now: number, limit: number): string => {
  if (records.length === 0) return "no checkouts match\n"
  const lines = columns([
    ["STATE", "AGE", "ORDER", "CLIENT KEY", "CART", "EXECUTION"],
    ...records.map((r) => [r.state, formatAge(now - r.created_at), orderText(r), r.client_key, r.cart_key, r.execution_id])
  ])
  const count = `${records.length} checkout${records.length === 1 ? "" : "s"}, oldest first`
  return `${[...lines, "", records.length === limit ? `${count} (the first ${limit}: --limit for more)` : count].join("\n")}\n`
}
