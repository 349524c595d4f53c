import { Schema } from "effect"

export const SagaState = Schema.Literals([
  "STARTED",
  "PAYMENTS_PENDING",
  "PAYMENT_CONFIRMED",
  "COMPLETED",
  "COMPENSATING",
  "CANCELLED",
  "HELD_FOR_REVIEW"
])
export type SagaState = typeof SagaState.Type

export const sagaStates: ReadonlyArray<SagaState> = SagaState.literals

const transitions: Record<SagaState, ReadonlyArray<SagaState>> = {
  STARTED: ["PAYMENTS_PENDING", "COMPENSATING"],
  PAYMENTS_PENDING: ["PAYMENT_CONFIRMED", "COMPENSATING", "HELD_FOR_REVIEW"],
  PAYMENT_CONFIRMED: ["COMPLETED", "COMPENSATING"],
  COMPENSATING: ["CANCELLED"],
  COMPLETED: [],
  CANCELLED: [],
  HELD_FOR_REVIEW: []
}

/** Strictly increases along every allowed transition, so "never moves backwards" is checkable. */
export const rank: Record<SagaState, number> = {
  STARTED: 0,
  PAYMENTS_PENDING: 1,
  PAYMENT_CONFIRMED: 2,
  COMPENSATING: 3,
  COMPLETED: 4,
  CANCELLED: 4,
  HELD_FOR_REVIEW: 4
}

export const canMove = (from: SagaState, to: SagaState): boolean => transitions[from].includes(to)

export const allowedFrom = (to: SagaState): ReadonlyArray<SagaState> => sagaStates.filter((from) => canMove(from, to))

export const isTerminal = (state: SagaState): boolean => transitions[state].length === 0
