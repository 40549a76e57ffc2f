/** The client's rules are the contract's: read from the generated constants, checked against `frame_contract`. */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";

import { ClientCode, CODES, INVALID_INPUT, isRetryableFrameCode, jobErrorEnding } from "../src/codes.js";
import { PYTHON, REPO_ROOT } from "./support/worker.js";

const CONTRACT = `
import json
from frame_contract import codes, output
print(json.dumps({
    "retryable": sorted(name for name, c in codes.ALL_CODES.items() if c.retryable),
    "client": sorted(codes.CLIENT_CODES),
    "invalid_input": output.INVALID_INPUT,
}))
`;

const contract = JSON.parse(execFileSync(PYTHON, ["-c", CONTRACT], { cwd: REPO_ROOT, encoding: "utf8" })) as {
  retryable: string[];
  client: string[];
  invalid_input: string;
};

test("a code is retryable here exactly when the contract says so", () => {
  const retryable = Object.keys(CODES).filter((name) => isRetryableFrameCode(name));
  assert.deepEqual(retryable.sort(), contract.retryable);
  assert.equal(isRetryableFrameCode("a_code_from_a_newer_worker"), false);
});

test("the client's own codes are exactly the contract's client codes", () => {
  assert.deepEqual(Object.values(ClientCode).sort(), contract.client);
});

test("empty_description is the worker's code, not the client's", () => {
  assert.equal(CODES.empty_description?.owner, "worker");
});

test("only a job error with the worker's invalid-input marker is permanent", () => {
  assert.equal(INVALID_INPUT, contract.invalid_input);
  assert.equal(jobErrorEnding(`${INVALID_INPUT}'frame_urls' is empty: send at least one frame.`), "invalid_input");
  assert.equal(jobErrorEnding("Internal error while describing frames: RuntimeError."), "failed");
});
