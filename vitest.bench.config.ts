import { defineConfig } from "vitest/config"

// The benchmark harness test starts servers and loads them with autocannon: it runs on its own,
// after the main suite, so its CPU load never skews the timing-sensitive suites (soak, locks).
export default defineConfig({
  test: {
    include: ["packages/bench/test/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 60_000
  }
})
