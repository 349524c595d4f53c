import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs"
import { join } from "node:path"

export interface Server {
  readonly name: string
  readonly port: number
  readonly child: ChildProcess
  /** Resident set size now, in MB, from /proc (Linux); NaN elsewhere. */
  readonly rssMb: () => number
  /** CPU time (user + system) the process has used so far, in ms, from /proc (Linux); NaN elsewhere. */
  readonly cpuMs: () => number
  readonly stop: () => Promise<void>
}

const rssOf = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match ? Number(match[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

// Clock ticks per second for /proc/<pid>/stat: 100 on every Linux this runs on (USER_HZ).
const TICKS_PER_SECOND = 100

const cpuOf = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // Fields after the command name (which may contain spaces, so split after its closing paren).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const waitForHttp = async (port: number, path: string, child: ChildProcess, timeoutMs: number, name: string) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before answering (see its .err log)`)
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1_000) })
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    await sleep(100)
  }
  throw new Error(`${name} did not answer ${path} on port ${port} within ${timeoutMs} ms`)
}

/**
 * Starts `entry` with this process's Node (the workspace's Node 24 under `pnpm`), on `port`, and
 * waits until `healthPath` answers. Its stdout (one log line per request) goes to /dev/null, so
 * both sides pay for writing their logs and neither is slowed by a reader; stderr goes to
 * `<logDir>/<name>.err`.
 */
export const startServer = async (options: {
  readonly name: string
  readonly entry: string
  readonly port: number
  readonly env: Record<string, string>
  readonly healthPath: string
  readonly logDir: string
  readonly nodeFlags?: ReadonlyArray<string>
  readonly cwd: string
}): Promise<Server> => {
  mkdirSync(options.logDir, { recursive: true })
  const out = openSync("/dev/null", "w")
  const err = openSync(join(options.logDir, `${options.name}.err`), "w")
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.entry], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(options.port) },
    stdio: ["ignore", out, err]
  })
  closeSync(out)
  closeSync(err)
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill("SIGTERM")
    let timer: NodeJS.Timeout | undefined
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 15_000)
      })
    ])
    clearTimeout(timer)
    if (!stopped) {
      child.kill("SIGKILL")
      await exited
    }
  }
  try {
    await waitForHttp(options.port, options.healthPath, child, 120_000, options.name)
  } catch (error) {
    await stop()
    throw error
  }
  return { name: options.name, port: options.port, child, rssMb: () => rssOf(child.pid), cpuMs: () => cpuOf(child.pid), stop }
}

/** Samples a server's RSS every 100 ms until stopped; returns the peak seen. */
export const sampleRss = (server: Server) => {
  let peak = server.rssMb()
  const timer = setInterval(() => {
    const now = server.rssMb()
    if (now > peak) peak = now
  }, 100)
  return () => {
    clearInterval(timer)
    const now = server.rssMb()
    return Math.max(peak, Number.isNaN(now) ? peak : now)
  }
}
