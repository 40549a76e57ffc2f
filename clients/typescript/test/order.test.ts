/**
 * Order: `descriptions[i]` is frame `i` whatever order the jobs complete in, and the jobs run
 * in a rolling pool. Every description is checked against the same frame described alone.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import { generateDescriptions } from "../src/index.js";
import { distinctJpegs } from "./support/frames.js";
import { FAST, useFixtures } from "./support/fixtures.js";
import { describeEachAlone } from "./support/reference.js";

const fx = useFixtures();

test("each description lands on its own frame when jobs complete out of order", async (t) => {
  const frames = distinctJpegs(6);
  const expected = await describeEachAlone(fx.worker.url, frames);
  // Completion order would put the first job's two descriptions last: only a client that
  // places results by input position can pass, and only if they differ from the others'.
  assert.notDeepEqual(expected.slice(0, 2), expected.slice(4, 6), "the frames must be told apart");
  const proxy = await fx.proxy(t);
  proxy.holdFirstJobUntil = 2;
  const result = await generateDescriptions(frames, {
    ...FAST,
    endpointUrl: proxy.url,
    batchSize: 2,
    maxConcurrent: 3,
  });
  assert.equal(proxy.finishedWhileHeld, 2, "the first job finished last");
  assert.deepEqual(result.descriptions, expected);
  assert.deepEqual(result.failedIndices, []);
  assert.equal(result.count, 6);
});

test("a new job starts as soon as one ends, not in waves", async (t) => {
  // Five jobs, two slots: the first job is held until the other four have finished, which
  // only a rolling pool achieves (waves would wait for the held job after one more).
  const proxy = await fx.proxy(t);
  proxy.holdFirstJobUntil = 4;
  const frames = distinctJpegs(5);
  const result = await generateDescriptions(frames, {
    ...FAST,
    endpointUrl: proxy.url,
    batchSize: 1,
    maxConcurrent: 2,
  });
  assert.deepEqual(result.failedIndices, []);
  assert.equal(proxy.finishedWhileHeld, 4);
});

test("the pool keeps maxConcurrent jobs in flight and no more", async (t) => {
  // Status calls are held until three are in flight at once: a pool that keeps fewer never
  // gets there, one that keeps more goes past it.
  const proxy = await fx.proxy(t);
  proxy.barrier = 3;
  const result = await generateDescriptions(distinctJpegs(12), {
    ...FAST,
    endpointUrl: proxy.url,
    batchSize: 2,
    maxConcurrent: 3,
  });
  assert.deepEqual(result.failedIndices, []);
  assert.equal(proxy.jobInputs.length, 6);
  assert.equal(proxy.maxInFlight, 3);
});

test("progress rises to 100 as frames settle", async (t) => {
  const proxy = await fx.proxy(t);
  const seen: number[] = [];
  await generateDescriptions(distinctJpegs(4), {
    ...FAST,
    endpointUrl: proxy.url,
    batchSize: 1,
    maxConcurrent: 1,
    onProgress: (percent) => seen.push(percent),
  });
  assert.deepEqual(seen, [25, 50, 75, 100]);
});
