import { describe, expect, it } from "@effect/vitest"
import { allowedFrom, canMove, isTerminal, rank, sagaStates } from "../../src/stores/SagaState.ts"

describe("SagaState", () => {
  it("allows exactly the documented transitions", () => {
    expect(allowedFrom("COMPENSATING")).toEqual(["STARTED", "PAYMENTS_PENDING", "PAYMENT_CONFIRMED"])
    expect(allowedFrom("HELD_FOR_REVIEW")).toEqual(["PAYMENTS_PENDING"])
    expect(allowedFrom("STARTED")).toEqual([])
    expect(sagaStates.filter(isTerminal)).toEqual(["COMPLETED", "CANCELLED", "HELD_FOR_REVIEW"])
  })

  it("every allowed transition strictly raises the rank", () => {
    for (const from of sagaStates) {
      for (const to of sagaStates) {
        if (canMove(from, to)) expect(rank[to]).toBeGreaterThan(rank[from])
        expect(allowedFrom(to).includes(from)).toBe(canMove(from, to))
      }
    }
  })
})
