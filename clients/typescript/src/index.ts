/**
 * render-api's vision client, drop-in: `generateDescriptions` and `checkVisionAvailability`
 * with the signatures of its `src/lib/opensource-vision-client.ts`, on the semantics of the
 * Python `frame_client`.
 *
 * Wires the parts together: resolve the endpoint, load and deduplicate the frames, split the
 * unique ones into jobs, run them in the rolling pool, and fan each result out to every input
 * position that holds the same frame. `descriptions[i]` is always frame `i`.
 */

import { debuglog } from "node:util";

import { checkHealth, Endpoint } from "./endpoint.js";
import { VisionConfigError, VisionEndpointError } from "./errors.js";
import { type Frame, isFrame, loadFrames } from "./frames.js";
import { planJobs } from "./jobs.js";
import { type FrameInput, type GenerateDescriptionsOptions, resolveEndpoint, resolveSettings } from "./options.js";
import { runPool } from "./pool.js";
import { type FrameResult, toVisionResult, type VisionResult } from "./results.js";
import { JobRunner } from "./runner.js";

export { ClientCode, RETRYABLE_WORKER_CODES } from "./codes.js";
export { VisionConfigError, VisionEndpointError } from "./errors.js";
export type { FrameInput, GenerateDescriptionsOptions } from "./options.js";
export type { VisionResult } from "./results.js";

const log = debuglog("llava-frame-client");

/**
 * Describe every frame of a video; resolves to one entry per frame, in input order.
 *
 * A frame that cannot be described gets `""`, its index in `failedIndices`, its reason in
 * `errors` and its code in `errorCodes`; that never rejects the call. Rejects with
 * `VisionConfigError` before any request when the endpoint or the key is missing or an option
 * is out of range, and with `VisionEndpointError` when the endpoint refuses the key (HTTP
 * 401/403) or does not exist (HTTP 404 on `/run`).
 */
export async function generateDescriptions(
  frameUrls: readonly FrameInput[],
  options: GenerateDescriptionsOptions = {},
): Promise<VisionResult> {
  if (!Array.isArray(frameUrls)) throw new VisionConfigError("frameUrls must be an array of URLs or Buffers.");
  const settings = resolveSettings(options);
  const endpoint = new Endpoint(resolveEndpoint(options.endpointUrl, options.apiKey), settings);
  const started = performance.now();
  const total = frameUrls.length;
  const results: (FrameResult | undefined)[] = new Array<FrameResult | undefined>(total).fill(undefined);
  const positions = new Map<string, number[]>();
  const unique: Frame[] = [];
  let settled = 0;
  let reported = -1;

  const progress = (frames: number): void => {
    settled += frames;
    const percent = total === 0 ? 100 : Math.floor((settled * 100) / total);
    if (percent === reported || options.onProgress === undefined) return;
    reported = percent;
    try {
      options.onProgress(percent);
    } catch (err) {
      log("onProgress threw, ignored: %s", String(err));
    }
  };
  const settle = (frame: Frame, result: FrameResult): void => {
    const indices = positions.get(frame.key) ?? [];
    for (const index of indices) results[index] = result;
    progress(indices.length);
  };

  (await loadFrames(frameUrls, settings)).forEach((item, index) => {
    if (!isFrame(item)) {
      results[index] = { error: item.error, code: item.code };
      progress(1);
      return;
    }
    const indices = positions.get(item.key);
    if (indices === undefined) {
      positions.set(item.key, [index]);
      unique.push(item);
    } else {
      indices.push(index);
    }
  });

  const plan = planJobs(unique, settings.batchSize, settings.maxPayloadBytes, settings);
  for (const [frame, failure] of plan.tooLarge) settle(frame, failure);
  const runner = new JobRunner(endpoint, settings);
  let stats;
  try {
    stats = await runPool(
      plan.jobs,
      (job) => runner.run(job),
      settings.maxConcurrent,
      settle,
      settings.retryFramesAlone,
      () => endpoint.stop(),
    );
  } catch (err) {
    if (err instanceof VisionEndpointError) err.partial = toVisionResult(results);
    throw err;
  }
  const output = toVisionResult(results);
  log(
    "%d frames (%d unique) in %d jobs (%d attempts, %d frames retried alone): %d described, %d failed, %d ms",
    total,
    unique.length,
    stats.jobs,
    stats.jobAttempts,
    stats.soloRetries,
    total - output.failedIndices.length,
    output.failedIndices.length,
    Math.round(performance.now() - started),
  );
  return output;
}

/** Options of `checkVisionAvailability`; render-api calls it with none. */
export interface AvailabilityOptions {
  endpointUrl?: string;
  apiKey?: string;
  timeoutMs?: number;
}

/**
 * `GET {endpoint}/health`: `available` when it answers 200. Never rejects; a missing endpoint or
 * key, a refused key or an unreachable endpoint comes back as `error`.
 */
export async function checkVisionAvailability(
  options: AvailabilityOptions = {},
): Promise<{ available: boolean; endpointId?: string; error?: string }> {
  let config;
  try {
    config = resolveEndpoint(options.endpointUrl, options.apiKey);
  } catch (err) {
    return { available: false, error: err instanceof Error ? err.message : String(err) };
  }
  const id = config.endpointId !== undefined ? { endpointId: config.endpointId } : {};
  const answer = await checkHealth(config, options.timeoutMs ?? 10_000);
  if (answer.status === 200) return { available: true, ...id };
  const error = answer.error ?? `health check failed: HTTP ${answer.status} from ${config.url}/health`;
  return { available: false, ...id, error };
}
