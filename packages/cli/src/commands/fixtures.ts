import { join } from "node:path"
import { Console, Effect, FileSystem } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { fixtureText } from "@orchestra/testkit/replay/Fixture"
import { UsageError } from "../CliFailure.ts"
import { checkFixtureFile } from "../fixtures/checkFixtureFile.ts"
import { fixtureRecipes } from "../record/FixtureRecipes.ts"
import { recordedSettingsFromEnv } from "../record/RecordedSettings.ts"
import { recordFixture } from "../record/Recorder.ts"
import { withSandboxServer } from "../record/SandboxTarget.ts"
import { summarize } from "../record/summarize.ts"

const checkCommand = Command.make(
  "check",
  { dir: Argument.String("dir").pipe(Argument.withDescription("A folder of fixtures (*.json), or one fixture file")) },
  ({ dir }) =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const info = yield* fs.stat(dir).pipe(Effect.mapError((error) => new UsageError({ message: `cannot read ${dir}: ${error.message}` })))
      const files =
        info.type === "Directory"
          ? (yield* fs.readDirectory(dir).pipe(Effect.orDie)).filter((name) => name.endsWith(".json")).sort().map((name) => join(dir, name))
          : [dir]
      if (files.length === 0) return yield* new UsageError({ message: `no fixtures (*.json) in ${dir}` })
      const reports = yield* Effect.forEach(files, checkFixtureFile)
      for (const report of reports) {
        yield* Console.log(report.problems.length === 0 ? `ok    ${report.file}: ${report.summary}` : `FAIL  ${report.file}`)
        for (const problem of report.problems) yield* Console.log(`        ${problem}`)
      }
      const bad = reports.filter((report) => report.problems.length > 0).length
      yield* Console.log(`${reports.length - bad} of ${reports.length} fixtures pass`)
      if (bad > 0) return yield* new UsageError({ message: `${bad} fixture${bad === 1 ? "" : "s"} failed the check` })
    })
).pipe(
  Command.withDescription(
    "Check fixtures: each decodes, every interaction fits its downstream contract (path, query, request and response bodies), the public request decodes for its flow, and a replay answers every call. Exit 2 when one fails."
  ),
  Command.withExamples([
    { command: "orchestra fixtures check packages/testkit/fixtures", description: "Every shipped fixture" },
    { command: "orchestra fixtures check incident.json", description: "One fixture" }
  ])
)

const recordAllCommand = Command.make(
  "record",
  {
    dir: Argument.String("dir").pipe(Argument.withDescription("Where to write the fixtures")),
    only: Flag.String("only").pipe(Flag.withDescription("Record only this fixture file (e.g. get-cart.json); repeatable"), Flag.atLeast(0))
  },
  ({ dir, only }) =>
    Effect.gen(function* () {
      const unknown = only.filter((file) => !fixtureRecipes.some((recipe) => recipe.file === file))
      if (unknown.length > 0) {
        return yield* new UsageError({
          message: `--only ${unknown.join(", ")}: no such fixture (known: ${fixtureRecipes.map((r) => r.file).join(", ")})`
        })
      }
      const settings = yield* recordedSettingsFromEnv
      const fs = yield* FileSystem.FileSystem
      for (const recipe of fixtureRecipes.filter((r) => only.length === 0 || only.includes(r.file))) {
        // A fresh sandbox each: no fixture sees another's carts, stock or faults.
        const fixture = yield* withSandboxServer([], (target) =>
          recordFixture({
            flow: recipe.flow,
            request: recipe.request,
            settings,
            setup: recipe.setup,
            description: recipe.description,
            serviceUrls: target.serviceUrls,
            ...(recipe.stage === undefined ? {} : { beforeRecording: recipe.stage(target) }),
            ...(recipe.requestAfterSetup === undefined ? {} : { requestAfterSetup: recipe.requestAfterSetup })
          })
        ).pipe(Effect.mapError((message) => new UsageError({ message: `${recipe.file}: ${message}` })))
        const path = join(dir, recipe.file)
        yield* fs.writeFileString(path, fixtureText(fixture)).pipe(Effect.orDie)
        yield* Console.log(`recorded ${path} (${fixture.flow}, ${fixture.interactions.length} interactions)`)
        yield* Console.log(summarize(fixture).join("\n"))
      }
    })
).pipe(
  Command.withDescription(
    "Re-record the shipped fixtures from their recipes, each against a fresh in-process sandbox over real HTTP (the incidents are staged in the sandbox between setup and recording)."
  ),
  Command.withExamples([
    { command: "orchestra fixtures record packages/testkit/fixtures", description: "All of them" },
    { command: "orchestra fixtures record packages/testkit/fixtures --only incident-price-changed.json", description: "One" }
  ])
)

export const fixturesCommand = Command.make("fixtures").pipe(
  Command.withDescription("Check fixtures against the contracts, or re-record the shipped ones from the sandbox."),
  Command.withSubcommands([checkCommand, recordAllCommand]),
  Command.withExamples([{ command: "orchestra fixtures check packages/testkit/fixtures", description: "CI's fixture check" }])
)
