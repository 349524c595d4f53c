import { LiveDownstreams } from "@orchestra/core/services/index"
import * as UndiciHttpClient from "@orchestra/core/services/UndiciHttpClient"
import type { FaultRule } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { Sandbox, SandboxDownstreams } from "@orchestra/testkit/sandbox/Sandbox"
import { Layer } from "effect"

/** Every downstream over HTTP at its `*_SERVICE_URL`. */
export const LiveDownstreamsLayer = LiveDownstreams.pipe(Layer.provide(UndiciHttpClient.layer()))

/** Every downstream simulated in this process over the demo catalog, with the given faults. */
export const sandboxDownstreams = (faults: ReadonlyArray<FaultRule>) =>
  SandboxDownstreams.pipe(Layer.provide(Sandbox.layer), Layer.provide(FaultInjector.make({ rules: faults })))
