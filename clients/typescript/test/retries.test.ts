/**
 * Retries: a job that fails is run again, then the frames of a job that kept failing are sent
 * alone; a frame the worker failed with a retryable `error_codes` entry is sent again alone;
 * nothing that would fail the same way is sent twice. Misbehaviour comes from the fault proxy
 * in front of the real worker, or from the real worker itself.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import { generateDescriptions } from "../src/index.js";
import { distinctJpegs } from "./support/frames.js";
import { FAST, useFixtures } from "./support/fixtures.js";
import type { Json } from "./support/proxy.js";
import { describeEachAlone } from "./support/reference.js";

const fx = useFixtures();

const WORKER_CRASH = "Internal error while describing frames: RuntimeError.";

/** The worker's answer with frame `index` failed for `reason`, with `codes` as `error_codes` (or none). */
function withFailedFrame(answer: Json, index: number, reason: string, codes?: string[]): Json {
  const output = answer.output as { descriptions: string[] };
  const descriptions = output.descriptions.map((d, i) => (i === index ? "" : d));
  const failed: Json = { descriptions, failed_indices: [index], errors: [reason], count: descriptions.length };
  if (codes) failed.error_codes = codes;
  return { ...answer, output: failed };
}

function framesOf(input: Json): string[] {
  return (input.frame_data ?? input.frame_urls) as string[];
}

const firstAttemptFailures: [string, (answer: Json) => Json][] = [
  ["ends FAILED", (answer) => ({ id: answer.id, status: "FAILED", error: WORKER_CRASH })],
  ["is answered with output.error", (answer) => ({ ...answer, output: { error: WORKER_CRASH } })],
];

for (const [how, failure] of firstAttemptFailures) {
  test(`a job whose first attempt ${how} is run again`, async (t) => {
    const proxy = await fx.proxy(t);
    proxy.rewrite = (answer, job) => (job.attempt === 1 ? failure(answer) : answer);
    const frames = distinctJpegs(3);
    const result = await generateDescriptions(frames, { ...FAST, endpointUrl: proxy.url, batchSize: 3 });
    assert.equal(proxy.jobInputs.length, 2);
    assert.deepEqual(proxy.jobInputs[1], proxy.jobInputs[0]);
    assert.deepEqual(result.failedIndices, []);
    assert.deepEqual(result.descriptions, await describeEachAlone(fx.worker.url, frames));
  });
}

test("a job whose answer is lost with HTTP 500 is run again", async (t) => {
  // The worker ran the job but the answer never arrived; asked again, the local API no
  // longer knows the job (FAILED "Job ID not found"), so the job runs a second time.
  const proxy = await fx.proxy(t);
  proxy.loseResponses = 1;
  const frames = distinctJpegs(3);
  const result = await generateDescriptions(frames, { ...FAST, endpointUrl: proxy.url, batchSize: 3 });
  assert.equal(proxy.jobInputs.length, 2);
  assert.deepEqual(result.descriptions, await describeEachAlone(fx.worker.url, frames));
});

test("a job the worker rejects as a whole is neither run again nor split", async (t) => {
  // The test worker takes at most 8 frames a job (MAX_FRAMES_PER_JOB): nine come back the same.
  const proxy = await fx.proxy(t);
  const result = await generateDescriptions(distinctJpegs(9), { ...FAST, endpointUrl: proxy.url, batchSize: 9 });
  assert.equal(proxy.jobInputs.length, 1);
  assert.deepEqual(result.failedIndices, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.match(result.errors[0] as string, /^job failed: Invalid input: The job has 9 frames; at most 8 are allowed/);
  assert.deepEqual(new Set(result.errorCodes), new Set(["job_failed"]));
});

test("a job that keeps failing costs only the frame that breaks it", async (t) => {
  // Every job holding frame 1 crashes: its job fails twice, then frame 0 succeeds alone and
  // frame 1 fails alone, twice (a solo job is run again too); the other job is untouched.
  const frames = distinctJpegs(4);
  const breaker = (frames[1] as Buffer).toString("base64");
  const proxy = await fx.proxy(t);
  proxy.rewrite = (answer, job) =>
    framesOf(job.input).includes(breaker) ? { id: answer.id, status: "FAILED", error: WORKER_CRASH } : answer;
  const result = await generateDescriptions(frames, {
    ...FAST,
    endpointUrl: proxy.url,
    batchSize: 2,
    maxConcurrent: 1,
  });
  const expected = await describeEachAlone(fx.worker.url, frames);
  assert.deepEqual(result.failedIndices, [1]);
  assert.deepEqual(result.errors, [`job failed: ${WORKER_CRASH}`]);
  assert.deepEqual(result.errorCodes, ["job_failed"]);
  assert.deepEqual(result.descriptions, [expected[0], "", expected[2], expected[3]]);
  assert.deepEqual(
    proxy.jobInputs.map((input) => framesOf(input).length),
    [2, 2, 2, 1, 1, 1],
  );
});

test("a frame the worker fails with a retryable code is sent again alone", async (t) => {
  const proxy = await fx.proxy(t);
  proxy.rewrite = (answer, job) =>
    framesOf(job.input).length === 3 ? withFailedFrame(answer, 1, "out of GPU memory", ["out_of_gpu_memory"]) : answer;
  const frames = distinctJpegs(3);
  const result = await generateDescriptions(frames, { ...FAST, endpointUrl: proxy.url, batchSize: 3 });
  assert.deepEqual(proxy.jobInputs.map(framesOf), [
    frames.map((f) => f.toString("base64")),
    [(frames[1] as Buffer).toString("base64")],
  ]);
  assert.deepEqual(result.failedIndices, []);
  assert.deepEqual(result.descriptions, await describeEachAlone(fx.worker.url, frames));
});

test("a frame the worker fails with a permanent code keeps its failure and is not sent again", async (t) => {
  const proxy = await fx.proxy(t);
  proxy.rewrite = (answer) => withFailedFrame(answer, 1, "not an image: cannot identify image file", ["not_an_image"]);
  const result = await generateDescriptions(distinctJpegs(3), { ...FAST, endpointUrl: proxy.url, batchSize: 3 });
  assert.equal(proxy.jobInputs.length, 1);
  assert.deepEqual(result.failedIndices, [1]);
  assert.deepEqual(result.errors, ["not an image: cannot identify image file"]);
  assert.deepEqual(result.errorCodes, ["not_an_image"]);
});

test("a frame failed without error_codes is not sent again alone", async (t) => {
  // An answer without codes says nothing the client may act on; it does not parse the reason.
  const proxy = await fx.proxy(t);
  proxy.rewrite = (answer) => withFailedFrame(answer, 1, "out of GPU memory");
  const result = await generateDescriptions(distinctJpegs(3), { ...FAST, endpointUrl: proxy.url, batchSize: 3 });
  assert.equal(proxy.jobInputs.length, 1);
  assert.deepEqual(result.failedIndices, [1]);
  assert.deepEqual(result.errorCodes, [null]);
});

test("a frame whose host answers 503 twice is downloaded on the third try", async (t) => {
  const proxy = await fx.proxy(t);
  const [frame] = distinctJpegs(1) as [Buffer];
  const url = fx.frameServer.add("/flaky.jpg", frame, { failTimes: 2 });
  const result = await generateDescriptions([url], { ...FAST, endpointUrl: proxy.url });
  assert.equal(fx.frameServer.count("/flaky.jpg"), 3);
  assert.deepEqual(result.descriptions, await describeEachAlone(fx.worker.url, [frame]));
});
