/**
 * The `describe-frames` command, run as a subprocess against the real worker: its JSON, its exit
 * codes, its progress bar, and a run killed in one client finished by the other from the resume
 * file without sending a settled frame again.
 */

import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";

import { PYTHON_COMMAND, run, start, TS_COMMAND } from "./support/commands.js";
import { distinctJpegs } from "./support/frames.js";
import { useFixtures } from "./support/fixtures.js";
import { freePort } from "./support/worker.js";
import { describeAlone, describeEachAlone } from "./support/reference.js";

const fx = useFixtures();

interface Output {
  descriptions: string[];
  failed_indices: number[];
  errors: string[];
  error_codes: string[];
  count: number;
  frames: string[];
}

/** A fresh folder holding `frames` as frame_0.jpg, frame_1.jpg, ... */
function frameFolder(frames: Buffer[]): string {
  const folder = join(mkdtempSync(join(tmpdir(), "describe-frames-")), "frames");
  mkdirSync(folder);
  frames.forEach((data, index) => writeFileSync(join(folder, `frame_${index}.jpg`), data));
  return folder;
}

test("the command describes a folder in name order into a JSON file", async (t) => {
  const proxy = await fx.proxy(t);
  const frames = distinctJpegs(3);
  const folder = join(mkdtempSync(join(tmpdir(), "describe-frames-")), "shots");
  mkdirSync(folder);
  // Written out of order, with ffmpeg's unpadded numbering: name order puts 2 before 10.
  writeFileSync(join(folder, "frame_10.jpg"), frames[2] as Buffer);
  writeFileSync(join(folder, "frame_1.jpg"), frames[0] as Buffer);
  writeFileSync(join(folder, "frame_2.jpg"), frames[1] as Buffer);
  writeFileSync(join(folder, "broken.jpg"), "this is not a jpeg");
  writeFileSync(join(folder, "notes.txt"), "not a frame");
  const out = join(folder, "..", "descriptions.json");
  const done = await run(TS_COMMAND, [folder, "--endpoint-url", proxy.url, "--batch-size", "2", "--output", out]);
  assert.equal(done.code, 1, done.stderr); // one frame failed
  const output = JSON.parse(readFileSync(out, "utf8")) as Output;
  assert.deepEqual(output.frames.map((f) => basename(f)), ["broken.jpg", "frame_1.jpg", "frame_2.jpg", "frame_10.jpg"]);
  assert.equal(output.count, 4);
  assert.deepEqual(output.failed_indices, [0]);
  assert.match(output.errors[0] as string, /^not an image/);
  assert.deepEqual(output.descriptions, ["", ...(await describeEachAlone(fx.worker.url, frames))]);
});

test("the command writes its JSON to stdout and its progress bar to stderr", async (t) => {
  const proxy = await fx.proxy(t);
  const [frame] = distinctJpegs(1) as [Buffer];
  const done = await run(TS_COMMAND, [frameFolder([frame]), "--endpoint-url", proxy.url]);
  assert.equal(done.code, 0, done.stderr);
  const output = JSON.parse(done.stdout) as Output;
  assert.deepEqual(output.descriptions, [await describeAlone(fx.worker.url, frame)]);
  assert.deepEqual([output.failed_indices, output.errors], [[], []]);
  assert.match(done.stderr, /describing: 100%\|█+\| 1\/1 \[/);
});

test("the command explains a missing endpoint with exit status 2", async () => {
  const done = await run(TS_COMMAND, [tmpdir()]);
  assert.equal(done.code, 2);
  assert.match(done.stderr, /RUNPOD_VISION_ENDPOINT_ID/);
  assert.match(done.stderr, /--endpoint-url/);
  assert.equal(done.stdout, "");
});

test("the command refuses a batch size below one with exit status 2", async () => {
  const done = await run(TS_COMMAND, [tmpdir(), "--endpoint-url", "http://127.0.0.1:9", "--batch-size", "0"]);
  assert.equal(done.code, 2);
  assert.match(done.stderr, /--batch-size: must be at least 1/);
});

test("an endpoint that stays unreachable fails the frames after the outage window", async () => {
  const folder = frameFolder(distinctJpegs(2));
  const nothingThere = `http://127.0.0.1:${await freePort()}`;
  const done = await run(TS_COMMAND, [folder, "--endpoint-url", nothingThere, "--outage-s", "0", "--no-progress"]);
  assert.equal(done.code, 1, done.stderr);
  assert.deepEqual((JSON.parse(done.stdout) as Output).error_codes, ["endpoint_unreachable", "endpoint_unreachable"]);
});

test("a refused key exits with status 3 and still writes every frame", async (t) => {
  const hosted = await fx.proxy(t, { hostedKey: "test-key" });
  const folder = frameFolder(distinctJpegs(2));
  const done = await run(TS_COMMAND, [folder, "--endpoint-url", hosted.url, "--api-key", "wrong", "--no-progress"]);
  assert.equal(done.code, 3);
  assert.match(done.stderr, /refused the API key/);
  assert.deepEqual((JSON.parse(done.stdout) as Output).error_codes, ["run_aborted", "run_aborted"]);
});

test("the job timeout bounds a job stuck in the queue", async (t) => {
  const hosted = await fx.proxy(t, { hostedKey: "test-key" });
  hosted.stuckInQueue = true;
  const folder = frameFolder(distinctJpegs(1));
  const args = [folder, "--endpoint-url", hosted.url, "--api-key", "test-key", "--job-timeout", "1", "--no-progress"];
  const done = await run(TS_COMMAND, args);
  assert.equal(done.code, 1, done.stderr);
  assert.deepEqual((JSON.parse(done.stdout) as Output).error_codes, ["job_timed_out"]);
  assert.equal(hosted.jobInputs.length, 2); // run again once, as the policy says
  assert.equal(hosted.cancelled.length, 2);
});

test("a run interrupted with SIGTERM writes the JSON it has and exits with status 4", async (t) => {
  const proxy = await fx.proxy(t);
  proxy.holdJobsAfter = 1;
  const frames = distinctJpegs(3);
  const folder = frameFolder(frames);
  const journal = join(folder, "..", "run.jsonl");
  const running = start(TS_COMMAND, [folder, "--endpoint-url", proxy.url, "--batch-size", "1", "--concurrency", "1", "--resume", journal, "--no-progress"]);
  await untilLines(journal, 2, running.child);
  running.child.kill("SIGTERM");
  const done = await running.done;
  proxy.release();
  assert.equal(done.code, 4, done.stderr);
  assert.match(done.stderr, /--resume/);
  const output = JSON.parse(done.stdout) as Output;
  assert.equal(output.descriptions[0], await describeAlone(fx.worker.url, frames[0] as Buffer));
  assert.deepEqual(output.error_codes, ["run_aborted", "run_aborted"]);
});

for (const [killed, finisher, names] of [
  [TS_COMMAND, PYTHON_COMMAND, "TypeScript, Python"],
  [PYTHON_COMMAND, TS_COMMAND, "Python, TypeScript"],
] as const) {
  const [first, second] = names.split(", ");
  test(`a run killed (SIGKILL) in the ${first} client is finished by the ${second} one without resending a settled frame`, async (t) => {
    const proxy = await fx.proxy(t);
    proxy.holdJobsAfter = 1;
    const frames = distinctJpegs(4);
    const folder = frameFolder(frames);
    const journal = join(folder, "..", "run.jsonl");
    const args = [folder, "--endpoint-url", proxy.url, "--batch-size", "1", "--concurrency", "1", "--resume", journal];
    const running = start([...killed], [...args, "--no-progress"]);
    await untilLines(journal, 2, running.child); // the header and one settled frame
    running.child.kill("SIGKILL");
    await running.done;
    const settled = (proxy.framesSent()[0] as string);
    const jobsBefore = proxy.jobInputs.length;
    proxy.release();
    const done = await run([...finisher], [...args, "--no-progress"]);
    assert.equal(done.code, 0, done.stderr);
    const sentAfter = proxy.jobInputs.slice(jobsBefore).flatMap((input) => input.frame_data as string[]);
    assert.equal(sentAfter.length, 3);
    assert.ok(!sentAfter.includes(settled));
    const output = JSON.parse(done.stdout) as Output;
    assert.deepEqual(output.descriptions, await describeEachAlone(fx.worker.url, frames));
  });
}

/** Wait until `path` has `count` lines (the run is under way), failing if the command ended first. */
async function untilLines(path: string, count: number, child: ChildProcess): Promise<void> {
  for (;;) {
    assert.equal(child.exitCode, null, "the command ended early");
    if (existsSync(path) && readFileSync(path, "utf8").split("\n").filter(Boolean).length >= count) return;
    await sleep(50);
  }
}
