import { Effect, FileSystem } from "effect"
import { decodeFixture, type Fixture } from "@orchestra/testkit/replay/Fixture"
import { UsageError } from "../CliFailure.ts"

/** Reads and decodes a fixture file; an unreadable or invalid one is bad input (exit 2). */
export const loadFixture = (path: string): Effect.Effect<Fixture, UsageError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const text = yield* FileSystem.FileSystem.use((fs) => fs.readFileString(path)).pipe(
      Effect.mapError((error) => new UsageError({ message: `cannot read fixture ${path}: ${error.message}` }))
    )
    return yield* decodeFixture(text).pipe(
      Effect.mapError((error) => new UsageError({ message: `fixture ${path} is not a valid fixture:\n${error.message}` }))
    )
  })
