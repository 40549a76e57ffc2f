#!/usr/bin/env node
/**
 * `describe-frames`: describe frames from the command line, write the worker-shaped JSON. The
 * Python client's command (`frame_client/cli.py`) with the same flags, JSON and exit codes,
 * except scenes and video files:
 *
 *     describe-frames frames/ --output descriptions.json
 *     describe-frames shot1.jpg https://cdn.example.com/f2.jpg --batch-size 5 --concurrency 10
 *     describe-frames frames/ --measure text,colour --output descriptions.json
 *
 * A folder stands for its image files sorted by name, numbers compared as numbers (frame_2
 * before frame_10). Files go to the worker as base64, URLs as they are. The JSON goes to stdout
 * or `--output`, the progress bar and log lines to stderr. Exit status: 0 every frame described,
 * 1 some frames failed (their reasons are in the JSON), 2 a usage or configuration problem, 3 the
 * endpoint refused the run, 4 the run was aborted (Ctrl-C, SIGTERM, an error in the client).
 * With 3 and 4 the JSON is still written: every frame answered before the stop, the others
 * failed with the code `run_aborted`. Never a stack trace.
 */

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { ClientCode } from "./codes.js";
import { MEASURE_KINDS } from "./contract.generated.js";
import { describeFrames, RunInterrupted } from "./describe.js";
import { VisionConfigError, VisionEndpointError } from "./errors.js";
import type { LocalFile } from "./frames.js";
import { log, setVerbose } from "./log.js";
import {
  API_KEY_VAR,
  DEFAULTS,
  ENDPOINT_ID_VAR,
  type GenerateDescriptionsOptions,
  type MeasureKind,
  measureKinds,
  resolveEndpoint,
  scaled,
} from "./options.js";
import { expandFrames, URL_PATTERN } from "./paths.js";
import { ProgressBar } from "./progress.js";
import { type FrameResult, toWorkerOutput } from "./results.js";

export const EXIT = { ok: 0, framesFailed: 1, usage: 2, endpoint: 3, aborted: 4 } as const;

const PROG = "describe-frames";

/** A problem with the command line or the configuration: exit 2 with this message. */
class UsageError extends Error {}

const OPTIONS = {
  "endpoint-url": { type: "string" },
  "api-key": { type: "string" },
  "batch-size": { type: "string" },
  concurrency: { type: "string" },
  prompt: { type: "string" },
  "max-new-tokens": { type: "string" },
  fields: { type: "boolean" },
  output: { type: "string" },
  resume: { type: "string" },
  "outage-s": { type: "string" },
  "job-timeout": { type: "string" },
  "time-scale": { type: "string" }, // hidden: the conformance scenarios' scaled time
  "no-progress": { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const;

const HELP = `usage: ${PROG} [options] FRAME [FRAME ...]

Describe video frames with the frame worker on RunPod; writes one JSON object shaped like the
worker's output (descriptions, failed_indices, errors, error_codes, count) over all frames, plus
'frames', the inputs in order.

  FRAME                 image file, folder (its images in name order) or http(s) URL
  --endpoint-url URL    endpoint base URL (default: from $${ENDPOINT_ID_VAR})
  --api-key KEY         RunPod API key (default: $${API_KEY_VAR}; prefer the variable)
  --batch-size N        frames per job (default: ${DEFAULTS.batchSize})
  --concurrency N       jobs in flight (default: ${DEFAULTS.maxConcurrent})
  --prompt TEXT         replace the worker's default prompt
  --fields              also one JSON object of fields per frame (output: fields)
  --measure [KINDS]     also measure each frame ('measurements'): alone every kind, or a comma
                        list of ${MEASURE_KINDS.join(",")} (after the frames, or as
                        --measure=KINDS, so that it does not take a frame for KINDS)
  --max-new-tokens N    replace the worker's default length
  --output FILE         write the JSON here instead of stdout
  --resume FILE         append each frame to FILE (JSON lines) as it is answered; run again with
                        the same FILE to send only the frames it does not describe yet
  --outage-s SECONDS    keep retrying an endpoint that cannot be reached (or answers 5xx) this
                        long before a job's attempt fails (default: ${DEFAULTS.outageMs / 1000})
  --job-timeout SECONDS longest a job may stay queued or running before it is cancelled and
                        counts as failed (default: ${DEFAULTS.maxWaitMs / 1000})
  --no-progress         no progress bar
  -v, --verbose         log each job and retry
  -h, --help            show this help

The endpoint defaults to https://api.runpod.ai/v2/$${ENDPOINT_ID_VAR}, the key to $${API_KEY_VAR}.
Exit status: 0 all described, 1 some frames failed, 2 usage or configuration problem, 3 the
endpoint refused the run, 4 the run was aborted (interrupted, or an error in the client); with 3
and 4 the JSON still holds every frame answered.
`;

interface Arguments {
  frames: string[];
  endpointUrl: string | undefined;
  apiKey: string | undefined;
  batchSize: number;
  concurrency: number;
  prompt: string | undefined;
  maxNewTokens: number | undefined;
  fields: boolean;
  measure: MeasureKind[];
  output: string | undefined;
  resume: string | undefined;
  outageS: number;
  jobTimeoutS: number;
  timeScale: number;
  progress: boolean;
}

/** Run the command on `argv` (without node and the script); resolves to its exit status. */
export async function main(argv: string[]): Promise<number> {
  let args: Arguments;
  let frames: string[];
  try {
    const parsed = parse(argv);
    if (parsed === "help") {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    args = parsed;
    resolveEndpoint(args.endpointUrl, args.apiKey); // before any output, for a clean message
    frames = expandFrames(args.frames);
  } catch (err) {
    if (err instanceof UsageError || err instanceof VisionConfigError) return usage(err.message);
    throw err;
  }
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  const bar = new ProgressBar(frames.length, "describing", args.progress);
  let results: FrameResult[];
  let stopped: string | undefined; // why the run ended early, if it did
  let exitCode: number = EXIT.aborted;
  try {
    const options: GenerateDescriptionsOptions = {
      endpointUrl: args.endpointUrl,
      apiKey: args.apiKey,
      batchSize: args.batchSize,
      maxConcurrent: args.concurrency,
      useBase64: false, // URLs go to the worker as they are, as the Python command sends them
      ...(args.prompt === undefined ? {} : { prompt: args.prompt }),
      ...(args.maxNewTokens === undefined ? {} : { maxNewTokens: args.maxNewTokens }),
      output: args.fields ? "fields" : "text",
      measure: args.measure,
      outageMs: args.outageS * 1000,
      maxWaitMs: args.jobTimeoutS * 1000,
      ...(args.resume === undefined ? {} : { resume: args.resume }),
    };
    const inputs = frames.map((frame): string | LocalFile => (URL_PATTERN.test(frame) ? frame : { file: frame }));
    results = await describeFrames(inputs, args.timeScale === 1 ? options : scaled(options, args.timeScale), {
      onSettled: (count) => bar.update(count),
      signal: interrupt.signal,
    });
  } catch (err) {
    if (err instanceof VisionConfigError) {
      bar.close();
      return usage(err.message);
    }
    if (err instanceof VisionEndpointError && err.results !== undefined) {
      [results, stopped, exitCode] = [err.results, err.message, EXIT.endpoint];
    } else if (err instanceof RunInterrupted) {
      [results, stopped] = [err.results, "interrupted"];
    } else {
      throw err;
    }
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
  bar.close();
  await write({ ...toWorkerOutput(results, args.fields, args.measure.length > 0), frames }, args.output);
  const aborted = results.filter((result) => result.code === ClientCode.runAborted).length;
  if (stopped === undefined && aborted > 0) stopped = "stopped on an error in the client (run with -v for details)";
  if (stopped !== undefined) {
    const where = args.resume
      ? ` (${args.resume} has every settled frame: run again with --resume to finish)`
      : "";
    process.stderr.write(
      `${PROG}: ${stopped}; ${aborted} of ${frames.length} frames were not sent or not answered, ` +
        `the JSON has the others${where}\n`,
    );
    return exitCode;
  }
  const failed = results.filter((result) => result.description === undefined).length;
  if (failed > 0) process.stderr.write(`${PROG}: ${failed} of ${frames.length} frames were not described; reasons in 'errors'\n`);
  return failed > 0 ? EXIT.framesFailed : EXIT.ok;
}

function usage(message: string): number {
  process.stderr.write(`${PROG}: ${message}\n`);
  return EXIT.usage;
}

/** The JSON to `path`, or stdout; to stdout after all when `path` cannot be written. */
async function write(output: object, path: string | undefined): Promise<void> {
  const text = `${JSON.stringify(output, null, 2)}\n`;
  if (path) {
    try {
      writeFileSync(path, text, "utf8");
      return;
    } catch (err) {
      const reason = (err as { code?: string }).code ?? String(err);
      process.stderr.write(`${PROG}: cannot write ${path} (${reason}); JSON on stdout\n`);
    }
  }
  await new Promise((done) => process.stdout.write(text, done));
}

function parse(argv: string[]): Arguments | "help" {
  let values;
  let positionals;
  const [rest, measure] = takeMeasure(argv);
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    throw new UsageError(`error: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
  }
  if (values.help) return "help";
  setVerbose(values.verbose === true);
  if (positionals.length === 0) throw new UsageError(`error: the following arguments are required: FRAME\n\n${HELP}`);
  return {
    frames: positionals,
    endpointUrl: values["endpoint-url"],
    apiKey: values["api-key"],
    batchSize: positive("--batch-size", values["batch-size"], DEFAULTS.batchSize),
    concurrency: positive("--concurrency", values.concurrency, DEFAULTS.maxConcurrent),
    prompt: values.prompt,
    maxNewTokens: values["max-new-tokens"] === undefined ? undefined : positive("--max-new-tokens", values["max-new-tokens"], 0),
    fields: values.fields === true,
    measure,
    output: values.output,
    resume: values.resume,
    outageS: seconds("--outage-s", values["outage-s"], DEFAULTS.outageMs / 1000, false),
    jobTimeoutS: seconds("--job-timeout", values["job-timeout"], DEFAULTS.maxWaitMs / 1000, true),
    timeScale: seconds("--time-scale", values["time-scale"], 1, true),
    progress: values["no-progress"] !== true,
  };
}

/**
 * `argv` without its `--measure [KINDS]`, and the kinds it asks for, read as Python's argparse
 * reads an option with an optional value: alone, or before another option, it means every kind;
 * `--measure=KINDS`, or `--measure` followed by a word that is not an option, gives KINDS.
 */
function takeMeasure(argv: string[]): [string[], MeasureKind[]] {
  const rest: string[] = [];
  let measure: MeasureKind[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--") {
      rest.push(...argv.slice(index));
      break;
    }
    if (arg === "--measure") {
      const next = argv[index + 1];
      if (next !== undefined && !next.startsWith("-")) {
        measure = kindsOf(next);
        index++;
      } else {
        measure = [...MEASURE_KINDS];
      }
    } else if (arg.startsWith("--measure=")) {
      measure = kindsOf(arg.slice("--measure=".length));
    } else {
      rest.push(arg);
    }
  }
  return [rest, measure];
}

function kindsOf(text: string): MeasureKind[] {
  const kinds = text.split(",").map((kind) => kind.trim()).filter((kind) => kind !== "");
  const known = MEASURE_KINDS as readonly string[];
  if (kinds.length === 0 || kinds.some((kind) => !known.includes(kind))) {
    throw new UsageError(
      `error: argument --measure: not a comma list of ${MEASURE_KINDS.join(", ")}: ` +
        `${JSON.stringify(text.slice(0, 40))} (--measure alone measures every kind; give KINDS as ` +
        "--measure=KINDS or after the frames)",
    );
  }
  return measureKinds(kinds);
}

function positive(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new UsageError(`error: argument ${flag}: not a whole number: '${text}'`);
  const value = Number(text);
  if (value < 1) throw new UsageError(`error: argument ${flag}: must be at least 1, not ${value}`);
  return value;
}

function seconds(flag: string, text: string | undefined, fallback: number, aboveZero: boolean): number {
  if (text === undefined) return fallback;
  const value = text.trim() === "" ? Number.NaN : Number(text);
  if (Number.isNaN(value)) throw new UsageError(`error: argument ${flag}: not a number of seconds: '${text}'`);
  if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) {
    throw new UsageError(`error: argument ${flag}: must be a number of seconds of at least 0, not ${text}`);
  }
  if (aboveZero && value === 0) throw new UsageError(`error: argument ${flag}: must be above 0`);
  return value;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Never a stack trace: one line, the details with -v.
    log("where it happened: %s", err instanceof Error ? err.stack : String(err));
    const name = err instanceof Error ? err.name : typeof err;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${PROG}: stopped on an unexpected error: ${name}: ${message}\n`);
    process.exit(EXIT.aborted);
  },
);
