import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    // The benchmark harness runs after this suite, alone (vitest.bench.config.ts).
    exclude: ["packages/bench/**", "**/node_modules/**"],
    // Two cores: forks keep Redis-backed suites isolated without oversubscribing the machine.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
