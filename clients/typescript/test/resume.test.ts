/**
 * The resume file, read and written as `docs/client-policy.md` specifies (the Python client's
 * `frame_client/resume.py`): which lines settle a frame, a torn last line, a refused header.
 * Runs that resume across both clients are in `cli.test.ts`.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { VisionConfigError } from "../src/errors.js";
import { ResumeFile } from "../src/resume.js";

function freshPath(): string {
  return join(mkdtempSync(join(tmpdir(), "resume-")), "run.jsonl");
}

test("a new resume file starts with the header the Python client writes", () => {
  const path = freshPath();
  new ResumeFile(path, {}).close();
  assert.equal(readFileSync(path, "utf8"), '{"resume": 1, "prompt": null, "max_new_tokens": null}\n');
});

test("a described frame and a frame failed for good are settled, a retryable failure is not", () => {
  const path = freshPath();
  const lines = [
    { resume: 1, prompt: null, max_new_tokens: null },
    { key: "sha256:aa", description: "Wide shot.", error: null, code: null },
    { key: "sha256:bb", description: null, error: "not an image", code: "not_an_image" },
    { key: "sha256:cc", description: null, error: "the run was interrupted", code: "run_aborted" },
  ];
  writeFileSync(path, lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
  const file = new ResumeFile(path, {});
  file.close();
  assert.deepEqual([...file.done.keys()].sort(), ["sha256:aa", "sha256:bb"]);
  assert.equal(file.done.get("sha256:bb")?.code, "not_an_image");
});

test("a torn last line is skipped and the next entry starts on a line of its own", () => {
  const path = freshPath();
  writeFileSync(path, '{"resume": 1, "prompt": null, "max_new_tokens": null}\n{"key": "sha256:aa", "descr');
  const file = new ResumeFile(path, {});
  file.record("sha256:bb", { description: "Close-up." });
  file.close();
  assert.equal(file.done.size, 0);
  const reread = new ResumeFile(path, {});
  reread.close();
  assert.deepEqual([...reread.done.keys()], ["sha256:bb"]);
});

test("a resume file written for another prompt is refused", () => {
  const path = freshPath();
  new ResumeFile(path, { prompt: "Read the text overlay." }).close();
  assert.throws(() => new ResumeFile(path, {}), VisionConfigError);
});

test("refusing a resume file names what differs without echoing the prompt", () => {
  const path = freshPath();
  new ResumeFile(path, { prompt: "secret brief for the client" }).close();
  assert.throws(
    () => new ResumeFile(path, {}),
    (err: Error) => err instanceof VisionConfigError && /another prompt/.test(err.message) && !/secret/.test(err.message),
  );
});
