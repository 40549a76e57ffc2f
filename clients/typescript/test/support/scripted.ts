/**
 * The conformance scenarios (`frame_contract/scenarios/*.json`, format in its README) and the
 * scripted endpoint that plays one (`python -m testkit.scripted_endpoint FILE`), as a process.
 */

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import type { MeasureKind } from "../../src/options.js";
import { PYTHON, REPO_ROOT } from "./worker.js";

export const SCENARIO_DIR = join(REPO_ROOT, "frame_contract", "scenarios");

export interface Expected {
  description?: string;
  fields?: Record<string, unknown>;
  measurements?: Record<string, unknown>;
  code?: string;
}

export interface Scenario {
  name: string;
  about: string;
  time_scale: number;
  frames: string[];
  client: {
    batch_size?: number;
    concurrency?: number;
    fields?: boolean;
    measure?: true | MeasureKind[];
    outage_s?: number;
    job_timeout_s?: number;
  };
  expect: { results: Expected[]; exit_code: number; runs?: number; early_retries?: number };
}

export interface Stats {
  requests: number;
  runs: number;
  cancels: number;
  early_retries: number;
}

export function allScenarios(): Scenario[] {
  return readdirSync(SCENARIO_DIR)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(SCENARIO_DIR, name), "utf8")) as Scenario);
}

export function scenario(name: string): Scenario {
  return JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), "utf8")) as Scenario;
}

/** The content of the scenario frame called `name`: what every client sends for it. */
export function frameBytes(name: string): Buffer {
  return Buffer.from(`scenario frame ${name}\n`, "utf8");
}

/** The scenario's frames as files `000-NAME.jpg`, ... in a fresh folder; their paths in input order. */
export function frameFiles(scenario: Scenario): string[] {
  const folder = join(mkdtempSync(join(tmpdir(), `scenario-${scenario.name}-`)), "frames");
  mkdirSync(folder);
  return scenario.frames.map((name, index) => {
    const path = join(folder, `${String(index).padStart(3, "0")}-${name}.jpg`);
    writeFileSync(path, frameBytes(name));
    return path;
  });
}

/** The command-line flags for the scenario's `client` and time scale. */
export function commandFlags(scenario: Scenario): string[] {
  const client = scenario.client;
  const flags = ["--no-progress", "--time-scale", String(scenario.time_scale)];
  if (client.batch_size !== undefined) flags.push("--batch-size", String(client.batch_size));
  if (client.concurrency !== undefined) flags.push("--concurrency", String(client.concurrency));
  if (client.outage_s !== undefined) flags.push("--outage-s", String(client.outage_s));
  if (client.job_timeout_s !== undefined) flags.push("--job-timeout", String(client.job_timeout_s));
  if (client.fields) flags.push("--fields");
  if (client.measure === true) flags.push("--measure");
  else if (client.measure !== undefined && client.measure.length > 0) flags.push("--measure", client.measure.join(","));
  return flags;
}

export interface ScriptedEndpoint {
  url: string;
  /** What the endpoint saw so far. */
  stats(): Promise<Stats>;
  close(): Promise<void>;
}

/** Start a scripted endpoint playing the scenario `name`; it serves until `close`. */
export async function startScripted(name: string): Promise<ScriptedEndpoint> {
  const child = spawn(PYTHON, ["-m", "testkit.scripted_endpoint", join(SCENARIO_DIR, `${name}.json`)], {
    cwd: REPO_ROOT,
    env: { ...process.env, PYTHONPATH: REPO_ROOT },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise((done) => child.once("exit", done));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the scripted endpoint exited with ${code} before its URL`)));
  });
  lines.close();
  return {
    url,
    stats: async () => (await (await fetch(`${url}/_scenario`)).json()) as Stats,
    close: async () => {
      child.stdin.end(); // it stops when its stdin closes
      await exited;
    },
  };
}
