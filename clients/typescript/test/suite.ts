/**
 * `npm test`'s entry point: start one real worker for the whole suite, run every compiled
 * `*.test.js` under Node's test runner with the worker's URL in `WORKER_API_URL`, stop it.
 */

import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { startWorker } from "./support/worker.js";

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((name) => name.endsWith(".test.js"))
  .sort()
  .map((name) => join(here, name));

const worker = await startWorker();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void worker.stop().then(() => process.exit(130)));
}
let code: number;
try {
  const runner = spawn(
    process.execPath,
    ["--test", "--test-concurrency=2", "--test-reporter=spec", ...process.argv.slice(2), ...files],
    {
      stdio: "inherit",
      env: { ...process.env, WORKER_API_URL: worker.url },
    },
  );
  code = await new Promise<number>((done) => runner.once("exit", (status) => done(status ?? 1)));
} finally {
  await worker.stop();
}
process.exit(code);
