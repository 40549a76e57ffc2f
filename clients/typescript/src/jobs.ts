/**
 * Split frames into jobs the endpoint accepts, and build each job's input.
 *
 * A job carries either bytes (`frame_data`, bare base64, `format: "base64"`) or URLs
 * (`frame_urls`), never both: the worker takes one source per job. Each job holds at most
 * `batchSize` frames and its JSON body stays under `maxPayloadBytes` (RunPod's `/run` takes
 * 10 MB). A frame too large to fit any job on its own is reported failed, never sent.
 */

import { ClientCode } from "./codes.js";
import { type Frame, type FrameFailure, type FrameKind, payloadEntry } from "./frames.js";

/** Frames described together in one RunPod job; `soloRetry` marks a frame's second chance. */
export interface Job {
  kind: FrameKind;
  frames: Frame[];
  soloRetry: boolean;
}

export interface JobPlan {
  /** In the order of their first frame. */
  jobs: Job[];
  tooLarge: [Frame, FrameFailure][];
}

/** What every job of a run asks the worker for besides its frames (undefined: the worker's default). */
export interface JobAsk {
  prompt?: string | undefined;
  maxNewTokens?: number | undefined;
  /** `"fields"`: one JSON object per frame as well. */
  output?: "text" | "fields" | undefined;
  /** The measurements asked for, in the contract's order; empty or undefined for none. */
  measure?: readonly string[] | undefined;
}

/** The `input` object of one job, as the worker reads it. */
export function jobInput(kind: FrameKind, entries: string[], shape: JobAsk): Record<string, unknown> {
  const input: Record<string, unknown> =
    kind === "base64" ? { frame_data: entries, format: "base64" } : { frame_urls: entries };
  if (shape.prompt !== undefined) input.prompt = shape.prompt;
  if (shape.maxNewTokens !== undefined) input.max_new_tokens = shape.maxNewTokens;
  if (shape.output !== undefined && shape.output !== "text") input.output = shape.output;
  if (shape.measure !== undefined && shape.measure.length > 0) input.measure = [...shape.measure];
  return input;
}

/** The whole `/run` body of a job. */
export function jobBody(job: Job, shape: JobAsk): string {
  return JSON.stringify({ input: jobInput(job.kind, job.frames.map(payloadEntry), shape) });
}

/** Group `frames` (unique, in input order) into jobs of one kind each, filled in order. */
export function planJobs(
  frames: readonly Frame[],
  batchSize: number,
  maxPayloadBytes: number,
  shape: JobAsk,
): JobPlan {
  const overhead = Buffer.byteLength(JSON.stringify({ input: jobInput("base64", [], shape) }));
  const budget = maxPayloadBytes - overhead;
  const plan: JobPlan = { jobs: [], tooLarge: [] };
  const filling = new Map<FrameKind, { job: Job; size: number }>(); // the job being filled, per kind
  for (const frame of frames) {
    if (frame.payloadBytes > budget) {
      plan.tooLarge.push([
        frame,
        {
          error:
            `frame is too large to send: ${frame.payloadBytes} bytes as base64, over the ` +
            `${maxPayloadBytes}-byte job payload limit (pass its URL instead)`,
          code: ClientCode.frameTooLargeToSend,
        },
      ]);
      continue;
    }
    let current = filling.get(frame.kind);
    if (current === undefined || current.job.frames.length >= batchSize || current.size + frame.payloadBytes > budget) {
      current = { job: { kind: frame.kind, frames: [], soloRetry: false }, size: 0 };
      filling.set(frame.kind, current);
      plan.jobs.push(current.job);
    }
    current.job.frames.push(frame);
    current.size += frame.payloadBytes;
  }
  return plan;
}
