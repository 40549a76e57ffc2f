/**
 * What goes into jobs: identical frames described once, each body under the payload limit,
 * the caller's prompt and output length passed on.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";

import { generateDescriptions } from "../src/index.js";
import { distinctJpegs } from "./support/frames.js";
import { FAST, useFixtures } from "./support/fixtures.js";
import { describeAlone } from "./support/reference.js";

const fx = useFixtures();

test("identical frames are sent to the worker once and described alike", async (t) => {
  const proxy = await fx.proxy(t);
  const server = fx.frameServer;
  const [a, b, c] = distinctJpegs(3) as [Buffer, Buffer, Buffer];
  const url = server.add("/same.jpg", c);
  const copy = server.add("/copy-of-same.jpg", c); // another URL, the same bytes
  const frames = [a, b, Buffer.from(a), url, b, url, copy, new Uint8Array(a)];
  const result = await generateDescriptions(frames, {
    ...FAST,
    endpointUrl: proxy.url,
    batchSize: 2,
    maxConcurrent: 2,
  });
  assert.equal(proxy.framesSent().length, 3);
  assert.equal(server.count("/same.jpg"), 1);
  assert.deepEqual(result.failedIndices, []);
  const [da, db, dc] = [result.descriptions[0], result.descriptions[1], result.descriptions[3]];
  assert.deepEqual(result.descriptions, [da, db, da, dc, db, dc, dc, da]);
  assert.equal(dc, await describeAlone(fx.worker.url, c));
});

test("identical URLs passed through are sent once", async (t) => {
  const proxy = await fx.proxy(t);
  const [a] = distinctJpegs(1) as [Buffer];
  const url = fx.frameServer.add("/passed-once.jpg", a);
  const result = await generateDescriptions([url, url, url], { ...FAST, endpointUrl: proxy.url, useBase64: false });
  assert.deepEqual(proxy.framesSent(), [url]);
  assert.deepEqual(result.descriptions, Array(3).fill(await describeAlone(fx.worker.url, a)));
});

test("every job body stays under maxPayloadBytes and a frame too large alone is never sent", async (t) => {
  const proxy = await fx.proxy(t);
  const frames = distinctJpegs(6);
  const largest = Math.max(...frames.map((f) => f.length));
  // Room for two frames' base64 per job, not three: the budget, not batchSize, splits the jobs.
  const maxPayloadBytes = Math.ceil((largest * 4) / 3) * 2 + 400;
  const huge = randomBytes(maxPayloadBytes);
  const result = await generateDescriptions([...frames.slice(0, 3), huge, ...frames.slice(3)], {
    ...FAST,
    endpointUrl: proxy.url,
    batchSize: 5,
    maxPayloadBytes,
  });
  assert.deepEqual(
    proxy.jobInputs.map((input) => (input.frame_data as string[]).length),
    [2, 2, 2],
  );
  for (const size of proxy.bodySizes) assert.ok(size <= maxPayloadBytes, `${size} > ${maxPayloadBytes}`);
  assert.deepEqual(result.failedIndices, [3]);
  assert.deepEqual(result.errorCodes, ["frame_too_large_to_send"]);
  assert.match(result.errors[0] as string, /^frame is too large to send/);
});

test("a custom prompt and maxNewTokens reach the worker", async (t) => {
  const proxy = await fx.proxy(t);
  const [frame] = distinctJpegs(1) as [Buffer];
  const prompt = "Read any text overlay. If there is no text, say 'No text overlay detected'.";
  const result = await generateDescriptions([frame], { ...FAST, endpointUrl: proxy.url, prompt, maxNewTokens: 8 });
  assert.equal(proxy.jobInputs[0]?.prompt, prompt);
  assert.equal(proxy.jobInputs[0]?.max_new_tokens, 8);
  assert.deepEqual(result.descriptions, [await describeAlone(fx.worker.url, frame, { prompt, maxNewTokens: 8 })]);
});
