// The CLI's building blocks, for scripts and tests that drive them without a process.
export { orchestra, VERSION } from "./Cli.ts"
export { flowSpec, flowSpecs } from "./flows/FlowCatalog.ts"
export { fixtureRecipes } from "./record/FixtureRecipes.ts"
export { recordFixture } from "./record/Recorder.ts"
export { runScenario } from "./scenario/runScenario.ts"
export { simulate } from "./simulate/Simulation.ts"
export { renderTimeline } from "./simulate/Timeline.ts"
