/**
 * One outcome per frame, and the per-video result shaped like the worker's output for one job
 * (plus `errors` and `errorCodes`), which is what `generateDescriptions` returns.
 */

/** One frame's outcome: its description, or why it has none. */
export interface FrameResult {
  description?: string;
  error?: string;
  /** The worker's `error_codes` entry or the client's own code; null when the worker gave none. */
  code?: string | null;
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
}

export function toVisionResult(results: readonly (FrameResult | undefined)[]): VisionResult {
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
  return output;
}
