/**
 * Every conformance scenario (`frame_contract/scenarios/*.json`) reaches its expected result in
 * this client, as in the Python one (`tests/contract/test_scenarios.py`): `generateDescriptions`
 * runs every scenario against the scripted endpoint in scaled time, the `describe-frames`
 * command the same few as the Python suite's.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { type GenerateDescriptionsOptions, generateDescriptions, VisionEndpointError } from "../src/index.js";
import { scaled } from "../src/options.js";
import type { VisionResult } from "../src/results.js";
import { run, TS_COMMAND } from "./support/commands.js";
import {
  allScenarios,
  commandFlags,
  type Expected,
  frameBytes,
  frameFiles,
  type Scenario,
  type ScriptedEndpoint,
  startScripted,
} from "./support/scripted.js";

const CLI_SCENARIOS = [
  "all_described",
  "non_retryable_frame_code",
  "key_refused",
  "fields_output",
  "measurements",
  "measurements_every_kind",
  "outage_20s",
];

function options(scenario: Scenario, url: string): GenerateDescriptionsOptions {
  const client = scenario.client;
  const chosen: GenerateDescriptionsOptions = { endpointUrl: url };
  if (client.batch_size !== undefined) chosen.batchSize = client.batch_size;
  if (client.concurrency !== undefined) chosen.maxConcurrent = client.concurrency;
  if (client.fields) chosen.output = "fields";
  if (client.measure !== undefined) chosen.measure = client.measure;
  if (client.outage_s !== undefined) chosen.outageMs = client.outage_s * 1000;
  if (client.job_timeout_s !== undefined) chosen.maxWaitMs = client.job_timeout_s * 1000;
  return scaled(chosen, scenario.time_scale);
}

/** Each frame's result in the scenario's terms: a description (and fields, measurements), or a code. */
function perFrame(result: {
  descriptions: string[];
  failedIndices: number[];
  errorCodes: (string | null)[];
  fields?: (Record<string, unknown> | null)[] | undefined;
  measurements?: (object | null)[] | undefined;
}): Expected[] {
  const codes = new Map(result.failedIndices.map((index, k) => [index, result.errorCodes[k]]));
  return result.descriptions.map((description, index) => {
    if (codes.has(index)) return { code: codes.get(index) as string };
    const expected: Expected = { description };
    const fields = result.fields?.[index];
    if (fields && Object.keys(fields).length > 0) expected.fields = fields;
    const measurements = result.measurements?.[index];
    if (measurements && Object.keys(measurements).length > 0) {
      expected.measurements = measurements as Record<string, unknown>;
    }
    return expected;
  });
}

async function checkStats(scenario: Scenario, endpoint: ScriptedEndpoint): Promise<void> {
  const { runs, early_retries: earlyRetries } = scenario.expect;
  if (runs === undefined && earlyRetries === undefined) return; // (an endpoint still down has none to give)
  const stats = await endpoint.stats();
  if (scenario.expect.runs !== undefined) assert.equal(stats.runs, scenario.expect.runs, "runs");
  if (scenario.expect.early_retries !== undefined) {
    assert.equal(stats.early_retries, scenario.expect.early_retries, "early_retries");
  }
}

async function withEndpoint(name: string, body: (endpoint: ScriptedEndpoint) => Promise<void>): Promise<void> {
  const endpoint = await startScripted(name);
  try {
    await body(endpoint);
  } finally {
    await endpoint.close();
  }
}

for (const scenario of allScenarios()) {
  test(`scenario ${scenario.name}: generateDescriptions reaches the expected result`, async () => {
    await withEndpoint(scenario.name, async (endpoint) => {
      let result: VisionResult;
      let exitCode: number;
      try {
        result = await generateDescriptions(scenario.frames.map(frameBytes), options(scenario, endpoint.url));
        exitCode = result.failedIndices.length > 0 ? 1 : 0;
      } catch (err) {
        if (!(err instanceof VisionEndpointError) || err.partial === undefined) throw err;
        [result, exitCode] = [err.partial, 3];
      }
      assert.deepEqual(perFrame(result), scenario.expect.results);
      assert.equal(exitCode, scenario.expect.exit_code);
      await checkStats(scenario, endpoint);
    });
  });
}

for (const scenario of allScenarios().filter((s) => CLI_SCENARIOS.includes(s.name))) {
  test(`scenario ${scenario.name}: the describe-frames command reaches the expected result`, async () => {
    const paths = frameFiles(scenario);
    const out = join(mkdtempSync(join(tmpdir(), "scenario-out-")), "out.json");
    await withEndpoint(scenario.name, async (endpoint) => {
      const done = await run(TS_COMMAND, [...paths, "--endpoint-url", endpoint.url, ...commandFlags(scenario), "--output", out]);
      assert.equal(done.code, scenario.expect.exit_code, done.stderr);
      const output = JSON.parse(readFileSync(out, "utf8")) as {
        descriptions: string[];
        failed_indices: number[];
        error_codes: string[];
        fields?: (Record<string, unknown> | null)[];
        measurements?: (Record<string, unknown> | null)[];
      };
      const shaped = { ...output, failedIndices: output.failed_indices, errorCodes: output.error_codes };
      assert.deepEqual(perFrame(shaped), scenario.expect.results);
      await checkStats(scenario, endpoint);
    });
  });
}
