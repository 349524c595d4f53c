import { Tracer } from "effect"

/** A tracer that exports nowhere but keeps the names of the spans it starts, in order. */
export const recordingTracer = () => {
  const names: Array<string> = []
  const tracer = Tracer.make({
    span: (options) => {
      names.push(options.name)
      return new Tracer.NativeSpan(options)
    }
  })
  return { names, tracer }
}
