/** The client's pure parts, without a worker: job planning, endpoint resolution, Retry-After. */

import assert from "node:assert/strict";
import { test } from "node:test";

import { retryAfterMs } from "../src/endpoint.js";
import type { Frame } from "../src/frames.js";
import { jobBody, planJobs } from "../src/jobs.js";
import { resolveEndpoint } from "../src/options.js";

function bytesFrame(key: string, size: number): Frame {
  return { key, kind: "base64", payloadBytes: 4 * Math.ceil(size / 3) + 3, data: new Uint8Array(size).fill(7) };
}

function urlFrame(url: string): Frame {
  return { key: `url:${url}`, kind: "url", payloadBytes: JSON.stringify(url).length + 1, url };
}

test("jobs never mix bytes and URLs and keep the frames' order within each kind", () => {
  const frames = [bytesFrame("a", 10), urlFrame("http://h/1.jpg"), bytesFrame("b", 10), urlFrame("http://h/2.jpg")];
  const plan = planJobs(frames, 5, 9_000_000, {});
  assert.deepEqual(
    plan.jobs.map((job) => [job.kind, job.frames.map((f) => f.key)]),
    [
      ["base64", ["a", "b"]],
      ["url", ["url:http://h/1.jpg", "url:http://h/2.jpg"]],
    ],
  );
});

test("a planned job's whole body fits the payload limit it was planned for", () => {
  const frames = Array.from({ length: 20 }, (_, i) => bytesFrame(`f${i}`, 3_000 + i * 97));
  const limit = 20_000;
  const plan = planJobs(frames, 10, limit, { prompt: "Describe the frame.", maxNewTokens: 40 });
  assert.ok(plan.jobs.length > 2);
  for (const job of plan.jobs) {
    assert.ok(Buffer.byteLength(jobBody(job, { prompt: "Describe the frame.", maxNewTokens: 40 })) <= limit);
  }
  assert.equal(plan.jobs.flatMap((job) => job.frames).length, 20);
});

test("the hosted endpoint comes from RUNPOD_VISION_ENDPOINT_ID with the key from RUNPOD_API_KEY", () => {
  const env = { RUNPOD_VISION_ENDPOINT_ID: "abc123", RUNPOD_API_KEY: "k" };
  assert.deepEqual(resolveEndpoint(undefined, undefined, env), {
    url: "https://api.runpod.ai/v2/abc123",
    apiKey: "k",
    endpointId: "abc123",
  });
});

test("a local endpoint needs no key and a copied /run URL is trimmed", () => {
  assert.deepEqual(resolveEndpoint("http://127.0.0.1:8000/run/", undefined, {}), { url: "http://127.0.0.1:8000" });
});

test("Retry-After is read as seconds or as an HTTP date", () => {
  assert.equal(retryAfterMs("3"), 3000);
  assert.equal(retryAfterMs(null), 0);
  assert.ok(retryAfterMs(new Date(Date.now() + 60_000).toUTCString()) > 50_000);
});
