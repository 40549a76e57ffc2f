/**
 * Turn what the caller passes (URLs, Buffers/Uint8Arrays, and for the command local files)
 * into frames to send, or into the reason a frame cannot be sent.
 *
 * With `useBase64` (render-api's default) a URL is downloaded here, once per distinct URL, and
 * sent as bare base64; without it the URL goes to the worker as it is. Bytes always go as
 * base64. Each frame gets a key for its content, the SHA-256 of its bytes or the URL itself:
 * frames with the same key are described once (the keys are the Python client's, so both read
 * one resume file). A local file is hashed here and read again only when its job is built. A
 * download or a file that fails fails its own frame (`frame_unreadable`), never the call.
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import { ClientCode, isTransientHttpStatus } from "./codes.js";
import type { Settings } from "./options.js";

export type FrameKind = "base64" | "url";

/** One frame to send: a URL passed through, or bytes (given, or a local file's) sent as base64. */
export interface Frame {
  key: string;
  kind: FrameKind;
  /** What the frame adds to a job's JSON body, in bytes. */
  payloadBytes: number;
  url?: string;
  data?: Uint8Array;
  path?: string;
}

/** A local image file, read only when its job is built (the command's frames). */
export interface LocalFile {
  file: string;
}

/** A frame's bytes cannot be read on this side; the message is the frame's reason. */
export class FrameLoadError extends Error {}

/** Why a frame never reaches the worker. */
export interface FrameFailure {
  error: string;
  code: string;
}

export function isFrame(item: Frame | FrameFailure): item is Frame {
  return "key" in item;
}

/** The frame as it goes into a job: the URL, or its bytes as bare base64. */
export function payloadEntry(frame: Frame): string {
  if (frame.kind === "url") return frame.url as string;
  const data = frame.data ?? readFile(frame.path as string);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new FrameLoadError(`cannot read ${path}: ${errorText(err)}`);
  }
}

function errorText(err: unknown): string {
  const code = (err as { code?: string }).code;
  return code ?? (err instanceof Error ? err.message : String(err));
}

export function base64Length(size: number): number {
  return 4 * Math.ceil(size / 3);
}

/** One `Frame` or `FrameFailure` per input, in input order; downloads run `downloadConcurrency` at a time. */
export async function loadFrames(inputs: readonly unknown[], settings: Settings): Promise<(Frame | FrameFailure)[]> {
  const downloads = new Map<string, Promise<Frame | FrameFailure>>();
  const limit = limiter(settings.downloadConcurrency);
  return Promise.all(
    inputs.map(async (input): Promise<Frame | FrameFailure> => {
      if (input instanceof Uint8Array) return bytesFrame(input, "empty frame data");
      if (isLocalFile(input)) return fileFrame(input.file);
      if (typeof input !== "string") {
        return unreadable(`not a frame: ${input === null ? "null" : typeof input} (give a URL or a Buffer)`);
      }
      if (!settings.useBase64) {
        // The worker judges the entry (and names what is wrong with it).
        return {
          key: `url:${input}`,
          kind: "url",
          payloadBytes: Buffer.byteLength(JSON.stringify(input)) + 2,
          url: input,
        };
      }
      let download = downloads.get(input);
      if (download === undefined) {
        download = limit(() => downloadFrame(input, settings));
        downloads.set(input, download);
      }
      return download;
    }),
  );
}

function bytesFrame(data: Uint8Array, emptyReason: string): Frame | FrameFailure {
  if (data.byteLength === 0) return unreadable(emptyReason);
  const digest = createHash("sha256").update(data).digest("hex");
  return { key: `sha256:${digest}`, kind: "base64", payloadBytes: base64Length(data.byteLength) + 4, data };
}

function isLocalFile(input: unknown): input is LocalFile {
  return typeof input === "object" && input !== null && typeof (input as LocalFile).file === "string";
}

/** A local file hashed, not kept: its bytes are read again when its job is built. */
function fileFrame(path: string): Frame | FrameFailure {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    return unreadable(`cannot read ${path}: ${errorText(err)}`);
  }
  if (data.byteLength === 0) return unreadable(`${path} is empty`);
  const digest = createHash("sha256").update(data).digest("hex");
  return { key: `sha256:${digest}`, kind: "base64", payloadBytes: base64Length(data.byteLength) + 4, path };
}

async function downloadFrame(url: string, settings: Settings): Promise<Frame | FrameFailure> {
  let host: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
    host = parsed.host;
  } catch {
    return unreadable(`not an http(s) URL: ${JSON.stringify(url.slice(0, 100))}`);
  }
  // Raw bytes whose base64 could still fit one job; `jobs.ts` makes the exact check.
  const cap = Math.floor((settings.maxPayloadBytes * 3) / 4);
  for (let attempt = 0; ; attempt++) {
    let reason: string;
    let transient = true;
    try {
      // Stored bytes as they are, as the worker asks: fetch would inflate a compressed
      // transfer unbounded, and the worker refuses one, so the URL cannot go there instead.
      const response = await fetch(url, {
        headers: { "Accept-Encoding": "identity" },
        signal: AbortSignal.timeout(settings.downloadTimeoutMs),
      });
      const encoding = (response.headers.get("content-encoding") ?? "").trim().toLowerCase();
      if (response.status === 200 && encoding !== "" && encoding !== "identity") {
        await response.body?.cancel();
        // The worker's own code and reason for the same URL (frame_describer/download.py).
        return {
          error: `compressed transfer (${encoding.slice(0, 100)}) from ${host} is not accepted`,
          code: "http_error",
        };
      }
      if (response.status === 200) {
        const data = await readCapped(response, cap);
        if (data === undefined) {
          return {
            error: `frame is too large to send: over ${cap} bytes from ${host} (pass its URL with useBase64: false)`,
            code: ClientCode.frameTooLargeToSend,
          };
        }
        return bytesFrame(data, `empty body from ${host}`);
      }
      await response.body?.cancel();
      reason = `HTTP ${response.status} from ${host}`;
      transient = isTransientHttpStatus(response.status);
    } catch (err) {
      reason =
        err instanceof Error && err.name === "TimeoutError"
          ? `no answer from ${host} within ${Math.round(settings.downloadTimeoutMs / 1000)} s`
          : `could not download from ${host}: ${causeOf(err)}`;
    }
    if (!transient || attempt >= settings.downloadRetries) return unreadable(reason);
    await sleep(settings.httpBackoffMs * 2 ** attempt);
  }
}

/** The body, or undefined when it is longer than `cap` bytes (read no further). */
async function readCapped(response: Response, cap: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get("content-length"));
  if (declared > cap) {
    await response.body?.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > cap) return undefined; // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function unreadable(error: string): FrameFailure {
  return { error, code: ClientCode.frameUnreadable };
}

function causeOf(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Run at most `concurrency` of the given tasks at once. */
function limiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next task, so no newcomer can slip in between.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
