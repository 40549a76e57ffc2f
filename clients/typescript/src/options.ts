/**
 * The options `generateDescriptions` takes, their defaults, and where the endpoint is.
 *
 * This is the only module that reads the environment (`RUNPOD_VISION_ENDPOINT_ID`,
 * `RUNPOD_API_KEY`), and only when a call starts. Every check here throws
 * `VisionConfigError` before any request is made.
 */

import { MEASURE_KINDS, POLICY, SCALED_DURATIONS } from "./contract.generated.js";
import { VisionConfigError } from "./errors.js";

export const HOSTED_API = "https://api.runpod.ai/v2";
export const ENDPOINT_ID_VAR = "RUNPOD_VISION_ENDPOINT_ID";
export const API_KEY_VAR = "RUNPOD_API_KEY";

/** A frame: an http(s) URL, or the image's bytes (a Buffer is a Uint8Array). */
export type FrameInput = string | Uint8Array;

/** What the worker can measure on a frame beside its description (docs/measurements.md). */
export type MeasureKind = (typeof MEASURE_KINDS)[number];

export interface GenerateDescriptionsOptions {
  /** Frames per job (default: the contract's, 5, as render-api sends them). */
  batchSize?: number;
  /**
   * The job timeout: how long one job may stay queued or running from `/run` to a final status, in
   * ms (default: the contract's, 600000); then it is cancelled and its attempt fails.
   */
  maxWaitMs?: number;
  /** Jobs in flight at once, in a rolling pool (default: the contract's, 10). */
  maxConcurrent?: number;
  /** Called with 0..100, the share of frames with a final result, each time it grows. */
  onProgress?: (percent: number) => void;
  /** Download URL frames here and send them as base64 (default true); false passes the URLs to the worker. */
  useBase64?: boolean;
  /** The endpoint's base URL, e.g. `http://127.0.0.1:8000` for the SDK's local API (default from the env). */
  endpointUrl?: string;
  /** The RunPod API key (default `$RUNPOD_API_KEY`; not needed on 127.0.0.1/localhost). */
  apiKey?: string;
  /** Replaces the worker's default prompt for every job. */
  prompt?: string;
  /** Output length cap per description. */
  maxNewTokens?: number;
  /** `"fields"` asks the worker for one JSON object of fields per frame as well (default `"text"`). */
  output?: "text" | "fields";
  /**
   * `true` (every kind) or a list of `"text"`, `"colour"`, `"exposure"`: the worker measures each
   * frame as well, and the result has `measurements`, one object per frame with only the kinds
   * asked (`null` for a failed frame). Default: none.
   */
  measure?: boolean | readonly MeasureKind[];
  /**
   * The outage window, in ms (default: the contract's, 120000): how long one HTTP call keeps
   * retrying an endpoint that cannot be reached or answers 5xx/429 before the job's attempt fails.
   */
  outageMs?: number;
  /**
   * A resume file (JSON lines, `docs/client-policy.md`): every frame is appended as it settles,
   * and frames it already describes are not sent again. The Python client reads and writes the same file.
   */
  resume?: string;
  /** Pause between status checks of a job still queued or running, in ms (default 2000). Durations may be fractional. */
  pollIntervalMs?: number;
  /** Runs of a failed job after its first (default 1). */
  jobRetries?: number;
  /** Send a frame that failed for a transient reason again, on its own, once (default true). */
  retryFramesAlone?: boolean;
  /** Largest JSON body of one `/run`, in bytes (default 9000000, under RunPod's 10 MB). */
  maxPayloadBytes?: number;
  /** First pause between tries of one HTTP call, doubled each time, in ms (default 500). */
  httpBackoffMs?: number;
  /** Pause before running a failed job again, in ms (default 1000). */
  jobRetryDelayMs?: number;
  /** Longest pause between tries of one HTTP call, Retry-After included, in ms (default 10000). */
  maxBackoffMs?: number;
}

/** Every tuning knob with its value for this call. */
export interface Settings {
  batchSize: number;
  maxWaitMs: number;
  maxConcurrent: number;
  useBase64: boolean;
  prompt?: string;
  maxNewTokens?: number;
  output: "text" | "fields";
  /** The kinds asked for, in the contract's order; empty for none. */
  measure: readonly MeasureKind[];
  outageMs: number;
  resume?: string;
  pollIntervalMs: number;
  jobRetries: number;
  retryFramesAlone: boolean;
  maxUnusableAnswers: number;
  maxPayloadBytes: number;
  httpBackoffMs: number;
  backoffFactor: number;
  maxBackoffMs: number;
  jobRetryDelayMs: number;
  requestTimeoutMs: number;
  downloadTimeoutMs: number;
  downloadRetries: number;
  downloadConcurrency: number;
}

/** The defaults, all from the contract but those that only concern this client's own downloads. */
export const DEFAULTS = {
  batchSize: POLICY.batchSize,
  maxConcurrent: POLICY.concurrency,
  maxWaitMs: POLICY.jobTimeoutMs,
  outageMs: POLICY.outageMs,
  pollIntervalMs: POLICY.pollIntervalMs,
  jobRetries: POLICY.jobRetries,
  retryFramesAlone: POLICY.frameRetries > 0,
  httpBackoffMs: POLICY.httpBackoffMs,
  backoffFactor: POLICY.backoffFactor,
  maxBackoffMs: POLICY.maxBackoffMs,
  jobRetryDelayMs: POLICY.jobRetryDelayMs,
  maxUnusableAnswers: POLICY.maxUnusableAnswers,
  maxPayloadBytes: POLICY.maxPayloadBytes,
  requestTimeoutMs: POLICY.requestTimeoutMs,
} as const;

/** The option that holds each of the policy's durations (the job timeout is render-api's `maxWaitMs`). */
const DURATION_OPTIONS = {
  outageMs: "outageMs",
  jobTimeoutMs: "maxWaitMs",
  pollIntervalMs: "pollIntervalMs",
  jobRetryDelayMs: "jobRetryDelayMs",
  httpBackoffMs: "httpBackoffMs",
  maxBackoffMs: "maxBackoffMs",
} as const satisfies Partial<Record<keyof typeof POLICY, keyof GenerateDescriptionsOptions>>;

/**
 * `options` with the policy's `SCALED_DURATIONS` (each as given in `options`, else its default)
 * times `timeScale`: how the conformance scenarios run in scaled time (`frame_contract/scenarios`).
 */
export function scaled(options: GenerateDescriptionsOptions, timeScale: number): GenerateDescriptionsOptions {
  const result: GenerateDescriptionsOptions = { ...options };
  for (const name of SCALED_DURATIONS) {
    const option = DURATION_OPTIONS[name as keyof typeof DURATION_OPTIONS];
    if (option === undefined) throw new Error(`the policy scales ${name}, which no option holds`);
    result[option] = (options[option] ?? (POLICY[name] as number)) * timeScale;
  }
  return result;
}

export function resolveSettings(options: GenerateDescriptionsOptions): Settings {
  if (options.output !== undefined && options.output !== "text" && options.output !== "fields") {
    throw new VisionConfigError(`output must be "text" or "fields", not ${JSON.stringify(options.output)}.`);
  }
  const settings: Settings = {
    batchSize: whole("batchSize", options.batchSize, DEFAULTS.batchSize, 1),
    maxWaitMs: duration("maxWaitMs", options.maxWaitMs, DEFAULTS.maxWaitMs, 1),
    maxConcurrent: whole("maxConcurrent", options.maxConcurrent, DEFAULTS.maxConcurrent, 1),
    useBase64: options.useBase64 ?? true,
    output: options.output ?? "text",
    measure: measureKinds(options.measure),
    outageMs: duration("outageMs", options.outageMs, DEFAULTS.outageMs, 0),
    pollIntervalMs: duration("pollIntervalMs", options.pollIntervalMs, DEFAULTS.pollIntervalMs, 0),
    jobRetries: whole("jobRetries", options.jobRetries, DEFAULTS.jobRetries, 0),
    retryFramesAlone: options.retryFramesAlone ?? DEFAULTS.retryFramesAlone,
    maxUnusableAnswers: DEFAULTS.maxUnusableAnswers,
    maxPayloadBytes: whole("maxPayloadBytes", options.maxPayloadBytes, DEFAULTS.maxPayloadBytes, 1_000),
    httpBackoffMs: duration("httpBackoffMs", options.httpBackoffMs, DEFAULTS.httpBackoffMs, 0),
    backoffFactor: DEFAULTS.backoffFactor,
    maxBackoffMs: duration("maxBackoffMs", options.maxBackoffMs, DEFAULTS.maxBackoffMs, 0),
    jobRetryDelayMs: duration("jobRetryDelayMs", options.jobRetryDelayMs, DEFAULTS.jobRetryDelayMs, 0),
    requestTimeoutMs: DEFAULTS.requestTimeoutMs,
    downloadTimeoutMs: 30_000,
    downloadRetries: 2,
    downloadConcurrency: 8,
  };
  if (options.prompt !== undefined) {
    if (typeof options.prompt !== "string" || !options.prompt.trim()) {
      throw new VisionConfigError("prompt must be a non-empty string.");
    }
    settings.prompt = options.prompt;
  }
  if (options.maxNewTokens !== undefined) {
    settings.maxNewTokens = whole("maxNewTokens", options.maxNewTokens, 0, 1);
  }
  if (options.resume !== undefined) {
    if (typeof options.resume !== "string" || !options.resume) {
      throw new VisionConfigError("resume must be the path of a file.");
    }
    settings.resume = options.resume;
  }
  return settings;
}

/**
 * The kinds `measure` asks for, in the contract's order: `true` every kind, a list some;
 * `undefined`, `false` and `[]` none. `VisionConfigError` for anything else.
 */
export function measureKinds(measure: unknown): MeasureKind[] {
  if (measure === undefined || measure === null || measure === false) return [];
  if (measure === true) return [...MEASURE_KINDS];
  const expected = `measure must be true or a list of ${MEASURE_KINDS.map((kind) => JSON.stringify(kind)).join(", ")}`;
  if (!Array.isArray(measure)) throw new VisionConfigError(`${expected}, not ${typeof measure}.`);
  const kinds = MEASURE_KINDS as readonly unknown[];
  const unknown = measure.find((kind) => !kinds.includes(kind));
  if (unknown !== undefined) {
    throw new VisionConfigError(`${expected}; ${JSON.stringify(String(unknown).slice(0, 40))} is not one of them.`);
  }
  return MEASURE_KINDS.filter((kind) => measure.includes(kind));
}

/** Where the endpoint is, and the key it takes (undefined on loopback). */
export interface EndpointConfig {
  url: string;
  apiKey?: string;
  /** The RunPod endpoint id, when the URL is the hosted API's. */
  endpointId?: string;
}

export function resolveEndpoint(
  endpointUrl?: string,
  apiKey?: string,
  env: NodeJS.ProcessEnv = process.env,
): EndpointConfig {
  let url = (endpointUrl ?? "").trim();
  if (!url) {
    const endpointId = (env[ENDPOINT_ID_VAR] ?? "").trim();
    if (!endpointId) {
      throw new VisionConfigError(
        `No endpoint: set ${ENDPOINT_ID_VAR} to your RunPod endpoint's id, or give the endpoint URL ` +
          "(--endpoint-url, or endpointUrl), e.g. http://127.0.0.1:8000 for `python handler.py --rp_serve_api`.",
      );
    }
    url = `${HOSTED_API}/${encodeURIComponent(endpointId)}`;
  }
  url = url.replace(/\/+$/, "").replace(/\/(runsync|run)$/, ""); // a URL copied from the console's examples
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VisionConfigError(`The endpoint URL must be an http(s) URL, not ${JSON.stringify(url)}.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new VisionConfigError(`The endpoint URL must be an http(s) URL, not ${JSON.stringify(url)}.`);
  }
  const key = (apiKey ?? env[API_KEY_VAR] ?? "").trim() || undefined;
  if (key === undefined && !isLoopback(parsed)) {
    throw new VisionConfigError(
      `No API key for ${url}: set ${API_KEY_VAR} (or pass --api-key, or apiKey). ` +
        "Only a local endpoint on 127.0.0.1 or localhost works without one.",
    );
  }
  const hosted = /^\/v2\/([^/]+)$/.exec(parsed.pathname);
  const config: EndpointConfig = { url };
  if (key !== undefined) config.apiKey = key;
  if (hosted?.[1]) config.endpointId = decodeURIComponent(hosted[1]);
  return config;
}

export function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}

function duration(name: string, value: number | undefined, fallback: number, least: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < least) {
    throw new VisionConfigError(`${name} must be a number of milliseconds of at least ${least}, not ${String(value)}.`);
  }
  return value;
}

function whole(name: string, value: number | undefined, fallback: number, least: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < least) {
    throw new VisionConfigError(`${name} must be a whole number of at least ${least}, not ${String(value)}.`);
  }
  return value;
}
