import { defineConfig } from "vitest/config";

// Two projects: fast unit tests over src/, and the slow suites that start real
// Jupyter kernels and a real browser (they run one file at a time: 2 cores here).
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    globalSetup: ["./test/support/global-setup.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/notebooks/**", "test/browser/**", "test/e2e/**"],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/notebooks/**/*.test.ts", "test/browser/**/*.test.ts", "test/e2e/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
