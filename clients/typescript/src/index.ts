/**
 * render-api's vision client, drop-in: `generateDescriptions` and `checkVisionAvailability`
 * with the signatures of its `src/lib/opensource-vision-client.ts`, on the semantics of the
 * Python `frame_client`.
 *
 * The run itself is `describe.ts`'s, shared with the `describe-frames` command (`cli.ts`);
 * here its results are shaped as render-api reads them. `descriptions[i]` is always frame `i`.
 */


import { describeFrames } from "./describe.js";
import { checkHealth } from "./endpoint.js";
import { VisionEndpointError } from "./errors.js";
import { type FrameInput, type GenerateDescriptionsOptions, measureKinds, resolveEndpoint } from "./options.js";
import { toVisionResult, type VisionResult } from "./results.js";
import { log } from "./log.js";

export { ClientCode, RETRYABLE_WORKER_CODES } from "./codes.js";
export { VisionConfigError, VisionEndpointError } from "./errors.js";
export { DEFAULTS } from "./options.js";
export type { FrameInput, GenerateDescriptionsOptions, MeasureKind } from "./options.js";
export type { Measurements, VisionResult } from "./results.js";


/**
 * Describe every frame of a video; resolves to one entry per frame, in input order.
 *
 * A frame that cannot be described gets `""`, its index in `failedIndices`, its reason in
 * `errors` and its code in `errorCodes`; that never rejects the call. Rejects with
 * `VisionConfigError` before any request when the endpoint or the key is missing, an option
 * is out of range or the resume file cannot be used, and with `VisionEndpointError` when the
 * endpoint refuses the key (HTTP 401/403) or does not exist (HTTP 404 on `/run`).
 */
export async function generateDescriptions(
  frameUrls: readonly FrameInput[],
  options: GenerateDescriptionsOptions = {},
): Promise<VisionResult> {
  const total = Array.isArray(frameUrls) ? frameUrls.length : 0;
  const withFields = options.output === "fields";
  const withMeasurements = measureKinds(options.measure).length > 0;
  let settled = 0;
  let reported = -1;
  const onSettled = (frames: number): void => {
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
  try {
    return toVisionResult(await describeFrames(frameUrls, options, { onSettled }), withFields, withMeasurements);
  } catch (err) {
    if (err instanceof VisionEndpointError && err.results) {
      err.partial = toVisionResult(err.results, withFields, withMeasurements);
    }
    throw err;
  }
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
