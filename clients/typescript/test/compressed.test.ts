/**
 * A frame URL served with a compressed transfer, in base64 mode: the client refuses it with the
 * worker's own code and reason, rather than inflating it or advising to pass the URL instead.
 */

import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { gzipSync } from "node:zlib";

import { loadFrames } from "../src/frames.js";
import { resolveSettings } from "../src/options.js";

test("a gzip-encoded frame URL fails with the worker's code and reason, and is not sent", async () => {
  const body = gzipSync(Buffer.alloc(2_000_000, 0xff)); // inflates past the payload limit
  const server = createServer((_request, response) => {
    response.writeHead(200, { "Content-Type": "image/jpeg", "Content-Encoding": "gzip" });
    response.end(body);
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  try {
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/frame.jpg`;
    const settings = resolveSettings({ maxPayloadBytes: 1_000_000 });
    const [frame] = await loadFrames([url], settings);
    assert.deepEqual(frame, {
      error: `compressed transfer (gzip) from 127.0.0.1:${port} is not accepted`,
      code: "http_error",
    });
  } finally {
    server.close();
  }
});
