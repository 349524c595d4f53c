import { NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { OrchestraServer } from "./Server.ts"
import { signalTeardown } from "./teardown.ts"

NodeRuntime.runMain(Layer.launch(OrchestraServer), { teardown: signalTeardown })
