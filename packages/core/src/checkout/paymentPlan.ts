import { Result } from "effect"
import type { Totals } from "../domain/Cart.ts"
import { AmountMismatch, CartChanged } from "../domain/Errors.ts"
import { type Currency, format, type Minor, minor } from "../domain/Money.ts"
import type { Gateway, PaymentInstruction, PaymentMode } from "../domain/Payment.ts"

export interface PlannedPayment {
  readonly index: number
  readonly mode: PaymentMode
  readonly gateway: Gateway
  readonly amount: Minor
  readonly instruction: PaymentInstruction
}

const mismatch = (message: string, details?: unknown) =>
  Result.fail(new AmountMismatch({ message, ...(details === undefined ? {} : { details }) }))

/**
 * The pure payment check of DESIGN §6 step 2d, run before anything is reserved or created:
 * Σ amounts = `total_order_amount` = the cart's `net_payable`, in the cart's currency, with at
 * most one `full_amount` instruction taking the remainder. A client that disagrees with itself
 * gets AMOUNT_MISMATCH; one whose total is out of date gets CART_CHANGED with the fresh totals.
 */
export const planPayments = (
  instructions: ReadonlyArray<PaymentInstruction>,
  totalOrderAmount: Minor,
  cart: { readonly totals: Totals; readonly currency: Currency }
): Result.Result<ReadonlyArray<PlannedPayment>, AmountMismatch | CartChanged> => {
  const wrongCurrency = instructions.findIndex((i) => i.currency !== cart.currency)
  if (wrongCurrency >= 0) {
    return mismatch(`payment_instruction[${wrongCurrency}] is in ${instructions[wrongCurrency]!.currency}, the cart in ${cart.currency}`, {
      path: ["payment_instruction", wrongCurrency, "currency"]
    })
  }
  const takers = instructions.filter((i) => i.full_amount === true)
  if (takers.length > 1) return mismatch("At most one payment instruction may take the full amount")
  const explicit = instructions.reduce((sum, i) => sum + (i.full_amount === true ? 0 : (i.amount ?? 0)), 0)
  const remainder = totalOrderAmount - explicit
  if (takers.length === 1 && remainder <= 0) {
    return mismatch("Nothing is left for the full_amount instruction to pay")
  }
  const planned = instructions.map(
    (instruction, index): PlannedPayment => ({
      index,
      mode: instruction.payment_mode,
      gateway: instruction.gateway,
      amount: minor(instruction.full_amount === true ? remainder : (instruction.amount ?? 0)),
      instruction
    })
  )
  const zero = planned.find((p) => p.amount <= 0)
  if (zero !== undefined) return mismatch(`payment_instruction[${zero.index}] pays nothing`)
  const total = planned.reduce((sum, p) => sum + p.amount, 0)
  if (total !== totalOrderAmount) {
    return mismatch(`The payments add up to ${format(total)}, total_order_amount is ${format(totalOrderAmount)}`, {
      payments_total: total / 100,
      total_order_amount: totalOrderAmount / 100
    })
  }
  if (totalOrderAmount !== cart.totals.net_payable) {
    return Result.fail(
      new CartChanged({
        message: `The cart now costs ${format(cart.totals.net_payable)}, not ${format(totalOrderAmount)}`,
        details: { totals: Object.fromEntries(Object.entries(cart.totals).map(([k, v]) => [k, v / 100])) }
      })
    )
  }
  return Result.succeed(planned)
}
