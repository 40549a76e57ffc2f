/**
 * The real worker for the tests: `python handler.py --rp_serve_api` on 127.0.0.1, serving a
 * tiny random LLaVA-NeXT built on the fly and loaded through MODEL_ID.
 *
 * `test/suite.ts` starts one worker for the whole suite and hands its URL to every test file in
 * `WORKER_API_URL`; a test file run on its own starts its own. The Python interpreter and the
 * tiny-model builder are set here, in one place (`WORKER_PYTHON`, `TINY_MODEL_BUILDER`).
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

/** The package folder (clients/typescript); compiled files run from build/test/support. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const REPO_ROOT = resolve(PACKAGE_ROOT, "../..");
export const PYTHON = resolve(PACKAGE_ROOT, process.env.WORKER_PYTHON ?? "../../.venv/bin/python");
/** Arguments after `python` that build the tiny model into the folder given last. */
export const TINY_MODEL_BUILDER = (process.env.TINY_MODEL_BUILDER ?? "-m testkit.tiny_model").split(" ");

/** The worker's settings for the tests (the Python suite's, plus a small MAX_FRAMES_PER_JOB). */
export const WORKER_ENV = {
  HF_HUB_OFFLINE: "1",
  RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS: "1",
  MAX_NEW_TOKENS: "24",
  MAX_BATCH_SIZE: "4",
  MAX_CONCURRENT_JOBS: "8",
  MAX_FRAMES_PER_JOB: "8",
  BATCH_WAIT_MS: "20",
  FETCH_TIMEOUT_S: "5",
  TOKENIZERS_PARALLELISM: "false",
};

export interface Worker {
  url: string;
  stop(): Promise<void>;
}

/** The suite's worker when there is one, else a worker of this process's own. */
export async function sharedWorker(): Promise<Worker> {
  const url = process.env.WORKER_API_URL;
  if (url) return { url, stop: async () => {} };
  return startWorker();
}

export async function startWorker(): Promise<Worker> {
  const modelDir = join(mkdtempSync(join(tmpdir(), "tiny-llava-")), "model");
  const build = spawnSync(PYTHON, [...TINY_MODEL_BUILDER, modelDir], { cwd: REPO_ROOT, encoding: "utf8" });
  if (build.status !== 0) {
    throw new Error(`building the tiny model failed (${PYTHON} ${TINY_MODEL_BUILDER.join(" ")}):\n${build.stderr}`);
  }
  const port = await freePort();
  const logPath = join(modelDir, "..", "worker.log");
  const log = openSync(logPath, "w");
  const child = spawn(
    PYTHON,
    ["handler.py", "--rp_serve_api", "--rp_api_host", "127.0.0.1", "--rp_api_port", String(port)],
    { cwd: REPO_ROOT, env: { ...process.env, ...WORKER_ENV, MODEL_ID: modelDir }, stdio: ["ignore", log, log] },
  );
  // A test run cut short must not leave the worker behind.
  const orphanGuard = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", orphanGuard);
  child.once("exit", () => process.off("exit", orphanGuard));
  await waitForPort(port, child, logPath);
  return { url: `http://127.0.0.1:${port}`, stop: () => stopProcess(child) };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function waitForPort(port: number, child: ChildProcess, logPath: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the worker exited with code ${child.exitCode}; see ${logPath}`);
    const open = await new Promise<boolean>((done) => {
      const socket = new Socket();
      const finish = (open: boolean) => {
        socket.destroy();
        done(open);
      };
      socket.once("connect", () => finish(true)).once("error", () => finish(false));
      socket.connect(port, "127.0.0.1");
    });
    if (open) return;
    await sleep(200);
  }
  throw new Error(`the worker did not listen on port ${port} within ${timeoutMs / 1000} s; see ${logPath}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(killer);
}
