/**
 * The client's diagnostics: each job, retry and summary, on stderr when asked for. They are off
 * by default; `NODE_DEBUG=llava-frame-client` turns them on in any program, the command's `-v`
 * (`setVerbose`) in the command. Nothing a caller sends (a signed URL, a prompt) is logged whole.
 */

import { debuglog, format } from "node:util";

const debug = debuglog("llava-frame-client");
let verbose = false;

export function setVerbose(on: boolean): void {
  verbose = on;
}

export function log(message: string, ...args: unknown[]): void {
  if (verbose) process.stderr.write(`describe-frames: ${format(message, ...args)}\n`);
  else debug(message, ...args);
}
