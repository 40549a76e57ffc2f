/**
 * The resume file: every settled frame appended as it settles, so a killed run loses nothing.
 *
 * The Python client's format (`frame_client/resume.py`, `docs/client-policy.md`), so a run
 * begun by either client is finished by either. JSON lines: the first line says what the
 * descriptions were asked with, every other line is one settled frame keyed by its content
 * (`sha256:<hex>` of its bytes, or `url:<url>`):
 *
 *     {"resume": 1, "prompt": null, "max_new_tokens": null}   (and "output" for fields runs,
 *                                                              "measure" for runs that measure)
 *     {"key": "sha256:9f2c...", "description": "Wide shot ...", "error": null, "code": null}
 *
 * Each line is written with one synchronous call, so it is in the file when the call returns,
 * even if the process is killed next. Reading it back, a torn last line and any other line that
 * is not an entry are skipped. A frame is *settled*, and never sent again, when a line describes
 * it or fails it with a code that is not retryable; a frame whose lines only failed it retryably
 * is sent again. A file written with another prompt, token limit, output mode or measure is
 * refused rather than mixed into this run. A fields run keeps each frame's `fields` too, and a
 * frame measured its `measurements`. `docs/client-policy.md` specifies the format field by field.
 */

import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

import { isRetryableFrameCode } from "./codes.js";
import { VisionConfigError } from "./errors.js";
import type { JobAsk } from "./jobs.js";
import type { FrameResult, Measurements } from "./results.js";
import { log } from "./log.js";


const VERSION = 1;

export class ResumeFile {
  /** The frames the file already describes, by key. */
  readonly done = new Map<string, FrameResult>();
  private readonly header: Record<string, unknown>;
  private readonly fd: number;

  constructor(
    readonly path: string,
    shape: JobAsk,
  ) {
    this.header = { resume: VERSION, prompt: shape.prompt ?? null, max_new_tokens: shape.maxNewTokens ?? null };
    if (shape.output !== undefined && shape.output !== "text") this.header.output = shape.output;
    if (shape.measure !== undefined && shape.measure.length > 0) this.header.measure = [...shape.measure];
    const text = this.read();
    try {
      this.fd = openSync(path, "a");
    } catch (err) {
      throw new VisionConfigError(`cannot write the resume file ${path}: ${reasonOf(err)}`);
    }
    if (text !== undefined && text.length > 0 && !text.endsWith("\n")) {
      this.write(""); // end the torn line, so that it stays one bad line and the next entry reads
    }
    if (!text) this.write(jsonLine(this.header));
  }

  /** Append one settled frame. */
  record(key: string, result: FrameResult): void {
    const entry: Record<string, unknown> = {
      key,
      description: result.description ?? null,
      error: result.error ?? null,
      code: result.code ?? null,
    };
    if (result.fields !== undefined && result.fields !== null) entry.fields = result.fields;
    if (result.measurements !== undefined && result.measurements !== null) entry.measurements = result.measurements;
    this.write(jsonLine(entry));
  }

  close(): void {
    closeSync(this.fd);
  }

  private write(line: string): void {
    writeSync(this.fd, `${line}\n`);
  }

  /** The file's text (undefined when there is none yet), its described frames taken into `done`. */
  private read(): string | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return undefined;
      throw new VisionConfigError(`cannot read the resume file ${this.path}: ${reasonOf(err)}`);
    }
    let lines = text.split(/\r?\n/).filter((line, index, all) => line !== "" || index < all.length - 1);
    const header = lines.length > 0 ? entryOf(lines[0] as string) : undefined;
    if (header !== undefined && "resume" in header) {
      if (!isDeepStrictEqual(header, this.header)) {
        // Names what differs, never the prompt itself: a prompt is the caller's text.
        const ours = this.header as Record<string, unknown>;
        const theirs = header as Record<string, unknown>;
        const differs = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].filter(
          (key) => !isDeepStrictEqual(ours[key], theirs[key]),
        );
        throw new VisionConfigError(
          `the resume file ${this.path} was written with another ${differs.join(", ")}; use another file`,
        );
      }
      lines = lines.slice(1);
    }
    let skipped = 0;
    for (const line of lines) {
      const entry = entryOf(line);
      if (entry === undefined || typeof entry.key !== "string") {
        skipped += 1;
        continue;
      }
      const result = settled(entry);
      const earlier = this.done.get(entry.key);
      if (result !== undefined && (earlier === undefined || earlier.description === undefined)) {
        this.done.set(entry.key, result);
      }
    }
    log("resume file %s: %d frames settled already, %d lines skipped", this.path, this.done.size, skipped);
    return text;
  }
}

/** The result an entry settles: a description, or a failure no retry can change; else undefined. */
function settled(entry: Record<string, unknown>): FrameResult | undefined {
  const { description, fields, measurements, code, error } = entry;
  if (typeof description === "string" && description.trim()) {
    return {
      description,
      fields: isObject(fields) ? fields : null,
      measurements: isObject(measurements) ? (measurements as Measurements) : null,
    };
  }
  if (typeof code === "string" && code && !isRetryableFrameCode(code)) {
    return { error: typeof error === "string" ? error : "failed", code };
  }
  return undefined;
}

/** One line as Python's `json.dumps` writes it (`", "` and `": "` between items), UTF-8 as is. */
function jsonLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsonLine).join(", ")}]`;
  if (isObject(value)) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${jsonLine(item)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function entryOf(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function reasonOf(err: unknown): string {
  return (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
}
