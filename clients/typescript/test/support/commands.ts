/**
 * Both `describe-frames` commands as subprocesses: this package's (`dist/cli.js`, built by
 * `npm test`) and the Python client's (`python -m frame_client`, on this tree's code).
 */

import { spawn } from "node:child_process";
import { join } from "node:path";

import { PACKAGE_ROOT, PYTHON, REPO_ROOT } from "./worker.js";

export const TS_COMMAND = [process.execPath, join(PACKAGE_ROOT, "dist", "cli.js")];
export const PYTHON_COMMAND = [PYTHON, "-m", "frame_client"];

export interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ReturnType<typeof spawn>;
  done: Promise<Done>;
}

/** Start `command` with `args`; the environment has no RunPod variables unless `env` sets them. */
export function start(command: string[], args: string[], env: Record<string, string> = {}): Running {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("RUNPOD_")),
  ) as Record<string, string>;
  const [program, ...first] = command as [string, ...string[]];
  const child = spawn(program, [...first, ...args], {
    cwd: REPO_ROOT,
    env: { ...clean, PYTHONPATH: REPO_ROOT, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<Done>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Run `command` to its end. */
export function run(command: string[], args: string[], env: Record<string, string> = {}): Promise<Done> {
  return start(command, args, env).done;
}
