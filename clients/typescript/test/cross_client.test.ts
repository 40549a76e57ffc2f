/**
 * The same frames through both `describe-frames` commands — this package's and the Python
 * client's — against the same scripted endpoint behaviour give the same JSON and exit status,
 * in a 20 s outage (scaled) too. Error texts are each client's own; everything else must match.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import { type Done, PYTHON_COMMAND, run, TS_COMMAND } from "./support/commands.js";
import { commandFlags, frameFiles, scenario, startScripted } from "./support/scripted.js";

const SAME_ANSWERS = [
  "all_described",
  "outage_20s",
  "non_retryable_frame_code",
  "fields_output",
  "measurements",
  "measurements_every_kind",
  "key_refused",
];

/** Run `command` on the scenario's frame files against a fresh endpoint playing it. */
async function through(command: string[], name: string, paths: string[]): Promise<Done> {
  const endpoint = await startScripted(name);
  try {
    return await run(command, [...paths, "--endpoint-url", endpoint.url, ...commandFlags(scenario(name))]);
  } finally {
    await endpoint.close();
  }
}

function withoutErrorTexts(stdout: string): unknown {
  const output = JSON.parse(stdout) as Record<string, unknown>;
  delete output.errors;
  return output;
}

for (const name of SAME_ANSWERS) {
  test(`both commands give the same JSON for scenario ${name}`, async () => {
    const paths = frameFiles(scenario(name));
    const python = await through(PYTHON_COMMAND, name, paths);
    const typescript = await through(TS_COMMAND, name, paths);
    assert.equal(typescript.code, python.code, `${python.stderr}\n${typescript.stderr}`);
    assert.equal(typescript.code, scenario(name).expect.exit_code);
    assert.deepEqual(withoutErrorTexts(typescript.stdout), withoutErrorTexts(python.stdout));
  });
}
