/**
 * The endpoint as render-api meets it: the hosted API's routes, key and GET polling, the
 * configuration errors that are the only ones thrown, and `checkVisionAvailability`.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import { checkVisionAvailability, generateDescriptions, VisionConfigError, VisionEndpointError } from "../src/index.js";
import { distinctJpegs } from "./support/frames.js";
import { FAST, useFixtures } from "./support/fixtures.js";
import { HOSTED_ENDPOINT_ID } from "./support/proxy.js";
import { describeEachAlone } from "./support/reference.js";
import { freePort } from "./support/worker.js";

const fx = useFixtures();
const KEY = "test-key";

/** Run `body` with these environment variables set (undefined: unset), then restore them. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}

test("a hosted endpoint is polled with GET and the key from RUNPOD_API_KEY until the job completes", async (t) => {
  const proxy = await fx.proxy(t, { hostedKey: KEY });
  const frames = distinctJpegs(4);
  const result = await withEnv({ RUNPOD_API_KEY: KEY }, () =>
    generateDescriptions(frames, { ...FAST, endpointUrl: proxy.url, batchSize: 2, maxConcurrent: 2 }),
  );
  assert.deepEqual(result.descriptions, await describeEachAlone(fx.worker.url, frames));
  assert.deepEqual(new Set(proxy.statusMethods), new Set(["GET"]));
  assert.ok(proxy.statusMethods.length >= 4, "IN_QUEUE first, then COMPLETED, for both jobs");
});

test("a /run answered 503 is tried again in place, not lost", async (t) => {
  const proxy = await fx.proxy(t);
  proxy.busyRuns = 2;
  const frames = distinctJpegs(2);
  const result = await generateDescriptions(frames, { ...FAST, endpointUrl: proxy.url });
  assert.equal(proxy.runCalls, 3);
  assert.equal(proxy.jobInputs.length, 1);
  assert.deepEqual(result.descriptions, await describeEachAlone(fx.worker.url, frames));
});

test("a job still queued at maxWaitMs is cancelled, run again, then fails its frames with job_timed_out", async (t) => {
  const proxy = await fx.proxy(t, { hostedKey: KEY });
  proxy.stuckInQueue = true;
  const result = await generateDescriptions(distinctJpegs(2), {
    ...FAST,
    endpointUrl: proxy.url,
    apiKey: KEY,
    maxWaitMs: 1000,
  });
  assert.equal(proxy.jobInputs.length, 2);
  assert.equal(proxy.cancelled.length, 2);
  assert.deepEqual(result.failedIndices, [0, 1]);
  assert.deepEqual(result.errors, ["job still queued after 1 s", "job still queued after 1 s"]);
  assert.deepEqual(result.errorCodes, ["job_timed_out", "job_timed_out"]);
});

test("a refused API key rejects the call before any job runs", async (t) => {
  const proxy = await fx.proxy(t, { hostedKey: KEY });
  await assert.rejects(
    generateDescriptions(distinctJpegs(2), { ...FAST, endpointUrl: proxy.url, apiKey: "wrong" }),
    (err: unknown) => err instanceof VisionEndpointError && /refused the API key \(HTTP 401\)/.test(err.message),
  );
  assert.deepEqual(proxy.jobInputs, []);
});

test("no endpoint id rejects the call with a configuration error", async () => {
  await withEnv({ RUNPOD_VISION_ENDPOINT_ID: undefined, RUNPOD_API_KEY: KEY }, () =>
    assert.rejects(
      generateDescriptions(distinctJpegs(1)),
      (err: unknown) => err instanceof VisionConfigError && /RUNPOD_VISION_ENDPOINT_ID/.test(err.message),
    ),
  );
});

test("no API key for a remote endpoint rejects the call with a configuration error", async () => {
  await withEnv({ RUNPOD_VISION_ENDPOINT_ID: "some-id", RUNPOD_API_KEY: undefined }, () =>
    assert.rejects(
      generateDescriptions(distinctJpegs(1)),
      (err: unknown) =>
        err instanceof VisionConfigError && /No API key for https:\/\/api\.runpod\.ai\/v2\/some-id/.test(err.message),
    ),
  );
});

test("an option out of range rejects the call with a configuration error", async (t) => {
  const proxy = await fx.proxy(t);
  await assert.rejects(
    generateDescriptions(distinctJpegs(1), { endpointUrl: proxy.url, batchSize: 0 }),
    VisionConfigError,
  );
  assert.deepEqual(proxy.jobInputs, []);
});

test("checkVisionAvailability reports a hosted endpoint that answers /health", async (t) => {
  const proxy = await fx.proxy(t, { hostedKey: KEY });
  assert.deepEqual(await checkVisionAvailability({ endpointUrl: proxy.url, apiKey: KEY }), {
    available: true,
    endpointId: HOSTED_ENDPOINT_ID,
  });
});

test("checkVisionAvailability reports an unreachable endpoint without throwing", async () => {
  const port = await freePort(); // nothing listens there
  const answer = await checkVisionAvailability({ endpointUrl: `http://127.0.0.1:${port}` });
  assert.equal(answer.available, false);
  assert.match(answer.error ?? "", /could not connect/);
});

test("checkVisionAvailability reports a missing endpoint id without throwing", async () => {
  const answer = await withEnv({ RUNPOD_VISION_ENDPOINT_ID: undefined }, () => checkVisionAvailability());
  assert.equal(answer.available, false);
  assert.match(answer.error ?? "", /RUNPOD_VISION_ENDPOINT_ID/);
});
