import { type Layer, Logger } from "effect"

export interface LogLine {
  readonly message: unknown
  readonly level: string
  readonly annotations: Readonly<Record<string, unknown>>
  readonly cause: string | undefined
}

/** A logger that keeps every line for the test to read, and prints nothing. */
export const makeLogCapture = () => {
  const lines: Array<LogLine> = []
  const logger = Logger.map(Logger.formatStructured, (line) => {
    lines.push({ message: line.message, level: line.level, annotations: line.annotations, cause: line.cause })
  })
  return { layer: Logger.layer([logger]), lines: (): ReadonlyArray<LogLine> => lines }
}

export type LogCapture = ReturnType<typeof makeLogCapture>

export const silentLogs: Layer.Layer<never> = makeLogCapture().layer
