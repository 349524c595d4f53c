import { extname, join } from "node:path"
import { Console, Effect, FileSystem } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { parse as parseYaml } from "yaml"
import { RunFailed, UsageError } from "../CliFailure.ts"
import type { StepReport } from "../scenario/runScenario.ts"
import { runScenario } from "../scenario/runScenario.ts"
import { decodeScenario, type Scenario } from "../scenario/Scenario.ts"

const SCENARIO_EXTENSIONS = [".json", ".yaml", ".yml"]

/** The scenario files named: files as given, folders expanded to their scenarios, sorted. */
const scenarioFiles = (paths: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const files: Array<string> = []
    for (const path of paths) {
      const info = yield* fs.stat(path).pipe(Effect.mapError((error) => new UsageError({ message: `cannot read ${path}: ${error.message}` })))
      if (info.type !== "Directory") {
        files.push(path)
        continue
      }
      const names = yield* fs.readDirectory(path).pipe(Effect.mapError((error) => new UsageError({ message: `cannot read ${path}: ${error.message}` })))
      files.push(...names.filter((name) => SCENARIO_EXTENSIONS.includes(extname(name))).sort().map((name) => join(path, name)))
    }
    if (files.length === 0) return yield* new UsageError({ message: `no scenarios (*.json, *.yaml) in ${paths.join(", ")}` })
    return files
  })

const loadScenario = (path: string): Effect.Effect<Scenario, UsageError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const text = yield* FileSystem.FileSystem.use((fs) => fs.readFileString(path)).pipe(
      Effect.mapError((error) => new UsageError({ message: `cannot read ${path}: ${error.message}` }))
    )
    const data = yield* Effect.try({
      try: () => (extname(path) === ".json" ? JSON.parse(text) : parseYaml(text)),
      catch: (error) => new UsageError({ message: `${path} does not parse: ${error instanceof Error ? error.message : String(error)}` })
    })
    return yield* decodeScenario(data).pipe(
      Effect.mapError((error) => new UsageError({ message: `${path} is not a valid scenario:\n${error.message}` }))
    )
  })

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 3)}...` : text)

const reportLines = (report: StepReport, verbose: boolean): ReadonlyArray<string> => {
  const mark = report.failures.length === 0 ? "ok  " : "FAIL"
  const call = `${report.method} ${report.path}`
  const lines = [
    `  ${mark} ${String(report.index).padStart(2)}  ${call.padEnd(28)} ${String(report.status ?? "-").padStart(3)} ${`${report.durationMs.toFixed(1)} ms`.padStart(10)}  ${report.name}`
  ]
  for (const failure of report.failures) lines.push(`            ${failure}`)
  if (report.failures.length > 0 || verbose) lines.push(`            response: ${cut(JSON.stringify(report.body), verbose ? 4_000 : 400)}`)
  return lines
}

export const scenarioCommand = Command.make(
  "scenario",
  {
    files: Argument.String("file").pipe(
      Argument.withDescription("Scenario files (JSON or YAML), or folders of them"),
      Argument.atLeast(1)
    ),
    verbose: Flag.Boolean("verbose").pipe(Flag.withDescription("Print every response, not only the failing ones"), Flag.withDefault(false))
  },
  ({ files, verbose }) =>
    Effect.gen(function* () {
      const paths = yield* scenarioFiles(files)
      const scenarios = yield* Effect.forEach(paths, (path) => Effect.map(loadScenario(path), (scenario) => ({ path, scenario })))
      let failedSteps = 0
      let failedScenarios = 0
      for (const { path, scenario } of scenarios) {
        yield* Console.log(`scenario ${path}: ${scenario.name}`)
        const reports = yield* runScenario(scenario).pipe(Effect.mapError((message) => new RunFailed({ message })))
        for (const report of reports) yield* Console.log(reportLines(report, verbose).join("\n"))
        const failed = reports.filter((report) => report.failures.length > 0).length
        failedSteps += failed
        if (failed > 0) failedScenarios++
        yield* Console.log(`  ${reports.length} steps: ${reports.length - failed} passed, ${failed} failed\n`)
      }
      yield* Console.log(`${scenarios.length - failedScenarios} of ${scenarios.length} scenarios passed`)
      if (failedSteps > 0) {
        return yield* new RunFailed({
          message: `${failedScenarios} scenario${failedScenarios === 1 ? "" : "s"} failed (${failedSteps} step${failedSteps === 1 ? "" : "s"})`
        })
      }
    })
).pipe(
  Command.withDescription(
    "Run journeys of public API calls (JSON or YAML) against the orchestrator started in this process over the sandbox, checking each answer's status and values at JSON paths. Exit 1 when a step fails, 2 when a scenario file is invalid."
  ),
  Command.withExamples([
    { command: "orchestra scenario packages/testkit/scenarios", description: "Every scenario in the repository, as CI runs them" },
    { command: "orchestra scenario packages/testkit/scenarios/checkout-cod.yaml --verbose", description: "One journey, printing every response" }
  ])
)
