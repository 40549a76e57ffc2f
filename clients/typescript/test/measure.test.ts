/**
 * `measure`: the kinds asked travel in every job, each frame's `measurements` come back, and the
 * resume file keeps them in the Python client's format, so a run measured by either command is
 * finished by the other. Both clients' results per scenario are `scenarios.test.ts`'s, their
 * JSON side by side `cross_client.test.ts`'s.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { MEASURE_KINDS } from "../src/contract.generated.js";
import { VisionConfigError } from "../src/errors.js";
import { jobInput } from "../src/jobs.js";
import { measureKinds } from "../src/options.js";
import { ResumeFile } from "../src/resume.js";
import { generateDescriptions } from "../src/index.js";
import { PYTHON_COMMAND, run, TS_COMMAND } from "./support/commands.js";
import { FAST, useFixtures } from "./support/fixtures.js";
import { distinctJpegs } from "./support/frames.js";
import { commandFlags, frameFiles, scenario, startScripted } from "./support/scripted.js";

const MEASURED = scenario("measurements"); // f03 fails with measurement_failed
const fx = useFixtures();

function freshPath(): string {
  return join(mkdtempSync(join(tmpdir(), "measure-")), "run.jsonl");
}

test("measure true asks for every kind, a list for its kinds in the contract's order", () => {
  assert.deepEqual(measureKinds(true), [...MEASURE_KINDS]);
  assert.deepEqual(measureKinds(["exposure", "text", "exposure"]), ["text", "exposure"]);
  assert.deepEqual([measureKinds(undefined), measureKinds(false), measureKinds([])], [[], [], []]);
  assert.throws(() => measureKinds(["text", "ocr"]), VisionConfigError);
});

test("a job carries measure only when the run measures", () => {
  assert.equal("measure" in jobInput("base64", [], {}), false);
  assert.deepEqual(jobInput("base64", [], { measure: ["text", "colour"] }).measure, ["text", "colour"]);
});

test("the real worker's measurements come back in generateDescriptions's result, parallel to descriptions", async () => {
  const result = await generateDescriptions([...distinctJpegs(2), Buffer.from("not an image")], {
    ...FAST,
    endpointUrl: fx.worker.url,
    measure: ["exposure"],
  });
  assert.deepEqual(result.failedIndices, [2]);
  assert.equal(result.measurements?.[2], null);
  for (const measurements of result.measurements?.slice(0, 2) ?? []) {
    assert.deepEqual(Object.keys(measurements ?? {}), ["exposure"]);
    assert.equal(typeof measurements?.exposure?.mean, "number");
  }
  assert.equal(result.measurements?.length, 3);
});

test("a resume file records the measure asked and keeps each frame's measurements", () => {
  const path = freshPath();
  const measurements = { exposure: { mean: 0.5, highlights_clipped: 0, shadows_crushed: 0, contrast: 0.25 } };
  const file = new ResumeFile(path, { measure: ["exposure"] });
  file.record("sha256:aa", { description: "Wide shot.", measurements });
  file.close();
  const header = readFileSync(path, "utf8").split("\n")[0];
  assert.equal(header, '{"resume": 1, "prompt": null, "max_new_tokens": null, "measure": ["exposure"]}');
  const reread = new ResumeFile(path, { measure: ["exposure"] });
  reread.close();
  assert.deepEqual(reread.done.get("sha256:aa")?.measurements, measurements);
});

test("a resume file written without measure is refused by a run that measures", () => {
  const path = freshPath();
  new ResumeFile(path, {}).close();
  assert.throws(() => new ResumeFile(path, { measure: ["text"] }), VisionConfigError);
});

test("measure before a frame that is no kind stops the command with exit status 2 and says how", async () => {
  const [path] = frameFiles(MEASURED);
  const done = await run(TS_COMMAND, ["--measure", path as string, "--endpoint-url", "http://127.0.0.1:9", "--no-progress"]);
  assert.equal(done.code, 2);
  assert.match(done.stderr, /--measure=KINDS/);
});

test("the command measures the kinds given as --measure=KINDS before the frames", async () => {
  const paths = frameFiles(scenario("all_described")).slice(0, 2);
  const endpoint = await startScripted("all_described");
  try {
    const done = await run(TS_COMMAND, ["--measure=colour,text", ...paths, "--endpoint-url", endpoint.url, "--no-progress"]);
    assert.equal(done.code, 0, done.stderr);
    const output = JSON.parse(done.stdout) as { measurements: Record<string, unknown>[] };
    const kinds = output.measurements.map((m) => Object.keys(m).sort());
    assert.deepEqual(kinds, [["colour", "text", "text_truncated"], ["colour", "text", "text_truncated"]]);
  } finally {
    await endpoint.close();
  }
});

for (const [first, second, names] of [
  [PYTHON_COMMAND, TS_COMMAND, "Python, TypeScript"],
  [TS_COMMAND, PYTHON_COMMAND, "TypeScript, Python"],
] as const) {
  const [writer, reader] = names.split(", ");
  test(`a measured run's resume file from the ${writer} command settles every frame for the ${reader} one`, async () => {
    const paths = frameFiles(MEASURED);
    const journal = freshPath();
    const through = async (command: readonly string[]): Promise<[string, number]> => {
      const endpoint = await startScripted(MEASURED.name);
      try {
        const args = [...paths, "--endpoint-url", endpoint.url, ...commandFlags(MEASURED), "--resume", journal];
        const done = await run([...command], args);
        assert.equal(done.code, MEASURED.expect.exit_code, done.stderr);
        return [done.stdout, (await endpoint.stats()).runs];
      } finally {
        await endpoint.close();
      }
    };
    const [written] = await through(first);
    const [resumed, runs] = await through(second);
    assert.equal(runs, 0);
    const withoutErrors = (text: string): unknown => ({ ...(JSON.parse(text) as object), errors: undefined });
    assert.deepEqual(withoutErrors(resumed), withoutErrors(written));
  });
}
