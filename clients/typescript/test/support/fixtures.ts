/** What every end-to-end test file shares: the worker, the frame server, a proxy per test, fast options. */

import { after, before, type TestContext } from "node:test";

import type { GenerateDescriptionsOptions } from "../../src/index.js";
import { FrameServer } from "./frames.js";
import { ApiProxy } from "./proxy.js";
import { sharedWorker, type Worker } from "./worker.js";

/** Short pauses so that retries and polling do not slow the tests; the behaviour is the same. */
export const FAST: GenerateDescriptionsOptions = {
  pollIntervalMs: 50,
  httpBackoffMs: 20,
  jobRetryDelayMs: 0,
  maxWaitMs: 120_000,
};

export interface Fixtures {
  worker: Worker;
  frameServer: FrameServer;
  /** A fresh proxy in front of the worker, closed when the test ends. */
  proxy(t: TestContext, options?: { hostedKey?: string }): Promise<ApiProxy>;
}

/** Start (or join) the worker and a frame server for this file's tests. */
export function useFixtures(): Fixtures {
  const fixtures = {} as Fixtures;
  before(async () => {
    fixtures.worker = await sharedWorker();
    fixtures.frameServer = await FrameServer.start();
    fixtures.proxy = async (t, options = {}) => {
      const proxy = await ApiProxy.start(fixtures.worker.url, options);
      t.after(() => proxy.close());
      return proxy;
    };
  });
  after(async () => {
    await fixtures.frameServer.close();
    await fixtures.worker.stop();
  });
  return fixtures;
}
