import { Command } from "effect/cli"
import { checkoutCommand } from "./commands/checkout.ts"
import { fixturesCommand } from "./commands/fixtures.ts"
import { openapiCommand } from "./commands/openapi.ts"
import { recordCommand } from "./commands/record.ts"
import { scenarioCommand } from "./commands/scenario.ts"
import { serveCommand } from "./commands/serve.ts"
import { simulateCommand } from "./commands/simulate.ts"

export const VERSION = "0.1.0"

/** `orchestra`: the support engineer's and CI's way into the orchestrator (DESIGN §9). */
export const orchestra = Command.make("orchestra").pipe(
  Command.withDescription(
    "Orchestra cart & checkout orchestrator: replay a customer's journey step by step from recorded downstream responses, record new fixtures, run scenario journeys, look into checkouts, serve the API."
  ),
  Command.withSubcommands([simulateCommand, recordCommand, scenarioCommand, fixturesCommand, checkoutCommand, openapiCommand, serveCommand]),
  Command.withExamples([
    { command: "orchestra simulate items-full --fixture packages/testkit/fixtures/items-full.json", description: "Why did this cart do that?" },
    { command: "orchestra checkout show ord_00000042", description: "Why did this checkout end that way? (DATABASE_URL)" },
    { command: "orchestra <command> --help", description: "Every command's flags, with examples" }
  ])
)
