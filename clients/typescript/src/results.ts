/**
 * One outcome per frame, a job's output read into outcomes, and the outcomes shaped back: like
 * the worker's output (what the `describe-frames` command writes, `frame_contract/output.py`'s
 * `build_output`) or as render-api's `VisionResult` (what `generateDescriptions` returns).
 */

import { WorkerCode } from "./codes.js";

/**
 * One frame's measurements, with only the kinds the run asked for (docs/measurements.md): boxes
 * and shares are fractions of the frame. As the worker sent it: checked to be an object, no more.
 */
export interface Measurements {
  /** The lines of text read on the frame, in reading order; `box` is `[x0, y0, x1, y1]`. */
  text?: { text: string; box: [number, number, number, number]; confidence: number }[];
  /** With `text`: true when the frame held more lines than the worker reads (it says how many). */
  text_truncated?: boolean;
  /** The main colours, largest share first. */
  colour?: { palette: { hex: string; share: number }[] };
  /** From the luma histogram, each 0 to 1. */
  exposure?: { mean: number; highlights_clipped: number; shadows_crushed: number; contrast: number };
}

/** One frame's outcome: its description (and fields, measurements), or why it has none. */
export interface FrameResult {
  description?: string;
  error?: string;
  /** The worker's `error_codes` entry or the client's own code; null when the worker gave none. */
  code?: string | null;
  /** With `output: "fields"`: the frame's fields object, when the worker gave one. */
  fields?: Record<string, unknown> | null;
  /** With `measure`: the frame's measurements, when the worker gave them. */
  measurements?: Measurements | null;
}

/** What `generateDescriptions` resolves to: `descriptions[i]` is always frame `i`. */
export interface VisionResult {
  /** One string per input frame, in input order; `""` for a failed frame. */
  descriptions: string[];
  /** Sorted indices of the frames that have no description. */
  failedIndices: number[];
  /** The number of input frames. */
  count: number;
  /** One short reason per failed frame, parallel to `failedIndices`. */
  errors: string[];
  /**
   * One code per failed frame, parallel to `failedIndices`: the worker's code (e.g. `not_found`,
   * `not_an_image`) or the client's (`frame_unreadable`, `job_failed`, ...); `null` where the
   * worker's answer carried no `error_codes`.
   */
  errorCodes: (string | null)[];
  /** With `output: "fields"`: one fields object per frame, `null` where the frame failed. */
  fields?: (Record<string, unknown> | null)[];
  /** With `measure`: one measurements object per frame, `null` where the frame failed. */
  measurements?: (Measurements | null)[];
}

/** The worker's output shape over many frames, as the `describe-frames` command writes it. */
export interface WorkerOutput {
  descriptions: string[];
  failed_indices: number[];
  errors: string[];
  error_codes: string[];
  count: number;
  fields?: (Record<string, unknown> | null)[];
  measurements?: (Measurements | null)[];
}

/** An output does not have the contract's shape; the message says how. */
export class OutputError extends Error {}

export function toVisionResult(
  results: readonly (FrameResult | undefined)[],
  withFields = false,
  withMeasurements = false,
): VisionResult {
  const output: VisionResult = {
    descriptions: [],
    failedIndices: [],
    count: results.length,
    errors: [],
    errorCodes: [],
  };
  results.forEach((result, index) => {
    if (result?.description !== undefined) {
      output.descriptions.push(result.description);
      return;
    }
    output.descriptions.push("");
    output.failedIndices.push(index);
    output.errors.push(result?.error ?? "not described: the run stopped first");
    output.errorCodes.push(result === undefined ? null : (result.code ?? null));
  });
  if (withFields) output.fields = results.map((r) => (r?.description !== undefined ? (r.fields ?? null) : null));
  if (withMeasurements) {
    output.measurements = results.map((r) => (r?.description !== undefined ? (r.measurements ?? null) : null));
  }
  return output;
}

/**
 * The worker's output over `results`, one per frame in order; `fields` only when `withFields`,
 * `measurements` only when `withMeasurements`.
 */
export function toWorkerOutput(results: readonly FrameResult[], withFields = false, withMeasurements = false): WorkerOutput {
  const output: WorkerOutput = { descriptions: [], failed_indices: [], errors: [], error_codes: [], count: 0 };
  results.forEach((result, index) => {
    if (result.description !== undefined) {
      output.descriptions.push(result.description);
      return;
    }
    output.descriptions.push("");
    output.failed_indices.push(index);
    output.errors.push(result.error || "failed without a reason");
    output.error_codes.push(result.code || WorkerCode.internalError);
  });
  output.count = results.length;
  if (withFields) output.fields = results.map((r) => (r.description !== undefined ? (r.fields ?? null) : null));
  if (withMeasurements) {
    output.measurements = results.map((r) => (r.description !== undefined ? (r.measurements ?? null) : null));
  }
  return output;
}

/**
 * The outcomes in a job's output for `count` frames; `OutputError` when it breaks the contract.
 *
 * Tolerates what older workers leave out, as the Python client does: no `error_codes` (codes are
 * then null), no `errors` (a generic reason), no `failed_indices` when every description is a
 * non-empty string. A described frame with no text gets the worker's `empty_description`.
 */
export function readAnswers(output: unknown, count: number): FrameResult[] {
  if (!isObject(output)) throw new OutputError(`expected an object, got ${kindOf(output)}`);
  const descriptions = output.descriptions;
  if (!Array.isArray(descriptions) || descriptions.length !== count) {
    throw new OutputError(`expected ${count} descriptions`);
  }
  const failed = list(output, "failed_indices", []);
  if (!failed.every((i) => Number.isInteger(i) && typeof i === "number" && i >= 0 && i < count)) {
    throw new OutputError("failed_indices out of range");
  }
  const errors = parallel(output, "errors", failed.length);
  const codes = parallel(output, "error_codes", failed.length);
  const fields = perFrame(output, "fields", count);
  const measurements = perFrame(output, "measurements", count);
  const reasons = new Map<number, [unknown, unknown]>();
  failed.forEach((index, n) => reasons.set(index as number, [errors[n], codes[n]]));
  return descriptions.map((description: unknown, index): FrameResult => {
    const reason = reasons.get(index);
    if (reason !== undefined) {
      const [error, code] = reason;
      return { error: text(error) || "failed without a reason", code: typeof code === "string" && code ? code : null };
    }
    if (typeof description === "string" && description.trim()) {
      const frameFields = fields[index];
      const frameMeasurements = measurements[index];
      return {
        description,
        fields: isObject(frameFields) ? frameFields : null,
        measurements: isObject(frameMeasurements) ? (frameMeasurements as Measurements) : null,
      };
    }
    return { error: "empty description", code: WorkerCode.emptyDescription };
  });
}

function list(output: Record<string, unknown>, key: string, fallback: unknown[]): unknown[] {
  const value = key in output ? output[key] : fallback;
  if (!Array.isArray(value)) throw new OutputError(`${key} is not a list`);
  return value;
}

/** A list with one entry per frame (`fields`, `measurements`); all null when absent. */
function perFrame(output: Record<string, unknown>, key: string, count: number): unknown[] {
  const value = output[key];
  if (value === undefined || value === null) return new Array<unknown>(count).fill(null);
  if (!Array.isArray(value) || value.length !== count) throw new OutputError(`expected ${count} entries in ${key}`);
  return value;
}

function parallel(output: Record<string, unknown>, key: string, length: number): unknown[] {
  if (!(key in output)) return new Array<unknown>(length).fill(null);
  const value = list(output, key, []);
  if (value.length !== length) throw new OutputError(`${key} and failed_indices do not match`);
  return value;
}

function text(value: unknown): string | null {
  if (typeof value === "string") return value;
  return value === null || value === undefined ? null : String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  return typeof value;
}
