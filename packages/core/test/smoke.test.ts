import { it } from "@effect/vitest"
import { Effect } from "effect"
import { expect } from "vitest"

it.effect("runs on the pinned node", () => Effect.sync(() => expect(process.versions.node.split(".")[0]).toBe("24")))
