/**
 * The only errors `generateDescriptions` throws. A frame's own failure is never one of them:
 * it becomes `""` in `descriptions` and an entry in `failedIndices`.
 */

import type { FrameResult, VisionResult } from "./results.js";

/** The client cannot start: no endpoint, no API key, or an option out of range. Thrown before any request. */
export class VisionConfigError extends Error {
  override name = "VisionConfigError";
}

/**
 * The endpoint refuses every request: the API key is refused (HTTP 401/403) or there is no such
 * endpoint (HTTP 404 on `/run`). The run stops; `partial` holds every frame settled before that
 * (normally none: the first request is refused), the others failed with `run_aborted`, so no
 * description is lost silently.
 */
export class VisionEndpointError extends Error {
  override name = "VisionEndpointError";
  partial?: VisionResult;
  /** One result per input frame: those settled before the refusal, the others `run_aborted`. */
  results?: FrameResult[];
}
