/**
 * Failure placement: a frame that cannot be described fails alone, on its own index, with its
 * reason and code; every other frame keeps its description and nothing throws.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import { type FrameInput, generateDescriptions } from "../src/index.js";
import { distinctJpegs } from "./support/frames.js";
import { FAST, useFixtures } from "./support/fixtures.js";
import { describeAlone, workerSendsCodes } from "./support/reference.js";

const fx = useFixtures();

/** What must stand at one position: the frame whose alone description it equals, or a failure. */
type Expected = { frame: Buffer } | { reason: string; code: string | null };

/** Shuffled the same way on every run, so failures sit at scattered positions. */
function shuffled<T>(items: T[], seed = 7): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function checkPlacement(
  result: Awaited<ReturnType<typeof generateDescriptions>>,
  expected: Expected[],
): Promise<void> {
  const failures = expected.flatMap((e, i) => ("reason" in e ? [i] : []));
  assert.deepEqual(result.failedIndices, failures);
  assert.equal(result.count, expected.length);
  for (const [i, e] of expected.entries()) {
    if ("frame" in e) {
      assert.equal(result.descriptions[i], await describeAlone(fx.worker.url, e.frame), `frame ${i}`);
      continue;
    }
    const k = result.failedIndices.indexOf(i);
    assert.equal(result.descriptions[i], "", `frame ${i}`);
    assert.ok(result.errors[k]?.startsWith(e.reason), `frame ${i}: ${result.errors[k]}`);
    assert.equal(result.errorCodes[k], e.code, `frame ${i}`);
  }
}

test("failures land on their own frames with their reasons and codes", async (t) => {
  const proxy = await fx.proxy(t);
  const server = fx.frameServer;
  const good = distinctJpegs(10);
  const coded = await workerSendsCodes(fx.worker.url);
  const host = new URL(server.url("/")).host;
  const entries: [FrameInput, Expected][] = [
    ...good.slice(0, 6).map((frame): [FrameInput, Expected] => [frame, { frame }]),
    ...good.slice(6).map((frame, i): [FrameInput, Expected] => [server.add(`/placement/${i}.jpg`, frame), { frame }]),
    [server.url("/placement/missing.jpg"), { reason: `HTTP 404 from ${host}`, code: "frame_unreadable" }],
    [Buffer.from("definitely not an image"), { reason: "not an image", code: coded ? "not_an_image" : null }],
    [
      server.add("/placement/garbage.jpg", Buffer.from("<html>gone</html>")),
      { reason: "not an image", code: coded ? "not_an_image" : null },
    ],
    [(good[2] as Buffer).subarray(0, 2000), { reason: "broken image", code: coded ? "broken_image" : null }],
    [new Uint8Array(0), { reason: "empty frame data", code: "frame_unreadable" }],
    ["ftp://127.0.0.1/frame.jpg", { reason: "not an http(s) URL", code: "frame_unreadable" }],
  ];
  const order = shuffled(entries);
  const result = await generateDescriptions(
    order.map(([frame]) => frame),
    { ...FAST, endpointUrl: proxy.url, batchSize: 3, maxConcurrent: 3 },
  );
  await checkPlacement(
    result,
    order.map(([, e]) => e),
  );
});

test("URL frames go to the worker as frame_urls and fail on their own index", async (t) => {
  const proxy = await fx.proxy(t);
  const server = fx.frameServer;
  const [a, b] = distinctJpegs(2) as [Buffer, Buffer];
  const frames = [server.add("/urls/a.jpg", a), server.url("/urls/gone.jpg"), server.add("/urls/b.jpg", b)];
  const coded = await workerSendsCodes(fx.worker.url);
  const result = await generateDescriptions(frames, {
    ...FAST,
    endpointUrl: proxy.url,
    useBase64: false,
    batchSize: 5,
  });
  assert.deepEqual(proxy.jobInputs, [{ frame_urls: frames }]);
  await checkPlacement(result, [
    { frame: a },
    { reason: "HTTP 404 from 127.0.0.1", code: coded ? "not_found" : null },
    { frame: b },
  ]);
});

test("frames given as bytes are sent as bare base64", async (t) => {
  const proxy = await fx.proxy(t);
  const [a, b] = distinctJpegs(2) as [Buffer, Buffer];
  const result = await generateDescriptions([a, new Uint8Array(b)], { ...FAST, endpointUrl: proxy.url });
  assert.deepEqual(proxy.jobInputs, [{ frame_data: [a.toString("base64"), b.toString("base64")], format: "base64" }]);
  await checkPlacement(result, [{ frame: a }, { frame: b }]);
});
