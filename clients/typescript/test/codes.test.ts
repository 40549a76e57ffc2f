/** The client's code table is the worker's: read from `frame_contract` by the worker's own Python. */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";

import { ClientCode, INVALID_INPUT, RETRYABLE_WORKER_CODES, isTransientJobError } from "../src/codes.js";
import { PYTHON, REPO_ROOT } from "./support/worker.js";

const CONTRACT = `
import json
from frame_contract import codes, output
print(json.dumps({
    "worker": {c.name: c.retryable for c in codes.WORKER_CODES.values()},
    "client": sorted(codes.CLIENT_CODES),
    "invalid_input": output.INVALID_INPUT,
}))
`;

const contract = JSON.parse(execFileSync(PYTHON, ["-c", CONTRACT], { cwd: REPO_ROOT, encoding: "utf8" })) as {
  worker: Record<string, boolean>;
  client: string[];
  invalid_input: string;
};

test("the retryable worker codes are exactly the worker's retryable ones", () => {
  const retryable = Object.entries(contract.worker)
    .filter(([, yes]) => yes)
    .map(([name]) => name)
    .sort();
  assert.deepEqual([...RETRYABLE_WORKER_CODES].sort(), retryable);
});

test("every code the client reports is one the contract knows", () => {
  const known = new Set([...Object.keys(contract.worker), ...contract.client]);
  for (const code of Object.values(ClientCode)) assert.ok(known.has(code), code);
});

test("only a job error with the worker's invalid-input marker is permanent", () => {
  assert.equal(INVALID_INPUT, contract.invalid_input);
  assert.equal(isTransientJobError(`${INVALID_INPUT}'frame_urls' is empty: send at least one frame.`), false);
  assert.equal(isTransientJobError("Internal error while describing frames: RuntimeError."), true);
});
