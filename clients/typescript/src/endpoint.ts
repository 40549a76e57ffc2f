/**
 * Talk to one endpoint over HTTP: `/run` to queue a job, `/status/{id}` to check on it,
 * `/cancel/{id}` to drop it, `/health` to see that it is there.
 *
 * Works with the hosted API (`https://api.runpod.ai/v2/{endpoint_id}`, the key as a Bearer
 * token, GET for status) and with the local API of `python handler.py --rp_serve_api` (routes
 * at the server root, no key on loopback, status by POST only: a GET answered 405 switches this
 * endpoint to POST). Transient failures of one call are retried here with capped backoff and
 * Retry-After for as long as they last less than the outage window (`outageMs`); `codes.ts`
 * says which. Answers are returned parsed and unchecked: the runner judges them.
 */

import { setTimeout as sleep } from "node:timers/promises";

import { type EndingName, isTransientHttpStatus } from "./codes.js";
import { KEY_REFUSED_STATUSES, NO_ENDPOINT_STATUS } from "./contract.generated.js";
import { VisionEndpointError } from "./errors.js";
import { API_KEY_VAR, ENDPOINT_ID_VAR, type EndpointConfig, type Settings } from "./options.js";
import { log } from "./log.js";


export type Json = Record<string, unknown>;

/** One call to the endpoint failed for good; `ending` (the contract's) says how its job's attempt ends. */
export class RequestFailed extends Error {
  constructor(
    readonly reason: string,
    readonly ending: EndingName,
  ) {
    super(reason);
  }
}

/** A 200 answer whose body is not JSON: a glitch between us and the endpoint, not an answer. */
export class UnusableAnswer extends Error {}

class MethodNotAllowed extends Error {}

export class Endpoint {
  private statusMethod: "GET" | "POST" = "GET";
  private readonly stopper = new AbortController();
  private readonly headers: Record<string, string>;

  constructor(
    readonly config: EndpointConfig,
    private readonly settings: Settings,
  ) {
    this.headers = config.apiKey ? { Authorization: `Bearer ${config.apiKey}` } : {};
  }

  /** Queue a job (`body` is the whole JSON body, `{"input": ...}`); resolves to its id. */
  async submit(body: string): Promise<string> {
    let answer: unknown;
    try {
      answer = await this.call("POST", "/run", body, this.settings.requestTimeoutMs);
    } catch (err) {
      if (err instanceof UnusableAnswer) throw new RequestFailed(err.message, "no_job_id");
      throw err;
    }
    const id = isObject(answer) ? answer.id : undefined;
    if (typeof id !== "string" || !id) {
      throw new RequestFailed("the endpoint's answer to /run has no job id", "no_job_id");
    }
    return id;
  }

  /**
   * The job's status answer, parsed and unchecked; `UnusableAnswer` when it is not JSON. On the
   * local API this call runs the job, hence `timeoutMs`. Retries stop at `giveUpAt` (a
   * `performance.now()` value: the job's deadline) even inside the outage window.
   */
  async status(jobId: string, timeoutMs: number, giveUpAt?: number): Promise<unknown> {
    const path = `/status/${encodeURIComponent(jobId)}`;
    if (this.statusMethod === "GET") {
      try {
        const timeout = Math.min(timeoutMs, this.settings.requestTimeoutMs);
        return await this.call("GET", path, undefined, timeout, giveUpAt);
      } catch (err) {
        if (!(err instanceof MethodNotAllowed)) throw err;
        log("%s answers status checks by POST only (the local API): using POST", this.config.url);
        this.statusMethod = "POST";
      }
    }
    return this.call("POST", path, undefined, timeoutMs, giveUpAt);
  }

  /** Ask the endpoint to drop a job we gave up on; best effort, one try. */
  async cancel(jobId: string): Promise<void> {
    try {
      const response = await fetch(`${this.config.url}/cancel/${encodeURIComponent(jobId)}`, {
        method: "POST",
        headers: this.headers,
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      });
      await response.body?.cancel();
    } catch (err) {
      log("cancelling job %s failed: %s", jobId, String(err));
    }
  }

  /** Cut short every pause and request in flight: the run is over. */
  stop(): void {
    this.stopper.abort();
  }

  get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  /** Sleep up to `ms`; false if the run was stopped meanwhile. */
  async wait(ms: number): Promise<boolean> {
    if (this.stopped) return false;
    try {
      await sleep(ms, undefined, { signal: this.stopper.signal });
      return true;
    } catch {
      return false;
    }
  }

  private async call(
    method: string,
    path: string,
    body: string | undefined,
    timeoutMs: number,
    giveUpAt?: number,
  ): Promise<unknown> {
    const { httpBackoffMs, backoffFactor, maxBackoffMs, outageMs } = this.settings;
    const route = path.split("/")[1];
    let failingSince: number | undefined; // the first failure of the current streak
    for (let attempt = 0; ; attempt++) {
      const answer = await this.send(method, path, body, timeoutMs);
      let pause = httpBackoffMs * backoffFactor ** attempt;
      let reason: string;
      if ("reason" in answer) {
        reason = answer.reason;
      } else {
        const { status, text } = answer;
        if (status === 200) return parseJson(text, route);
        if (status === 405 && method === "GET") throw new MethodNotAllowed();
        if (KEY_REFUSED_STATUSES.has(status)) {
          throw new VisionEndpointError(
            `The endpoint at ${this.config.url} refused the API key (HTTP ${status}): check ${API_KEY_VAR} or apiKey.`,
          );
        }
        if (status === NO_ENDPOINT_STATUS && route === "run") {
          throw new VisionEndpointError(
            `No endpoint at ${this.config.url} (HTTP 404 on /run): check ${ENDPOINT_ID_VAR} or endpointUrl.`,
          );
        }
        reason = `HTTP ${status} from the endpoint on /${route}`;
        // A job the endpoint no longer knows: running it again may work.
        if (status === NO_ENDPOINT_STATUS) throw new RequestFailed(reason, "job_unknown");
        if (!isTransientHttpStatus(status)) throw new RequestFailed(`${reason}: ${snippet(text)}`, "request_refused");
        pause = Math.max(pause, answer.retryAfterMs);
      }
      const now = performance.now();
      failingSince ??= now;
      let windowEnds = failingSince + outageMs;
      if (giveUpAt !== undefined) windowEnds = Math.min(windowEnds, giveUpAt);
      if (now >= windowEnds) {
        const lasted = attempt ? `${Math.round((now - failingSince) / 1000)} s` : "one try";
        throw new RequestFailed(`${reason} (failing for ${lasted})`, "unreachable");
      }
      pause = Math.min(pause, maxBackoffMs, windowEnds - now);
      log("%s %s: %s; try %d in %d ms", method, path, reason, attempt + 2, Math.round(pause));
      if (!(await this.wait(pause))) {
        throw new RequestFailed(`${reason}; the run stopped`, "unreachable");
      }
    }
  }

  /** One HTTP exchange: the answer, or why there was none. */
  private async send(
    method: string,
    path: string,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; text: string; retryAfterMs: number } | { reason: string }> {
    const headers = body === undefined ? this.headers : { ...this.headers, "Content-Type": "application/json" };
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(Math.ceil(timeoutMs)), this.stopper.signal]);
      const response = await fetch(`${this.config.url}${path}`, { method, headers, body, signal });
      const text = await response.text();
      return { status: response.status, text, retryAfterMs: retryAfterMs(response.headers.get("retry-after")) };
    } catch (err) {
      if (this.stopped) throw new RequestFailed("the run stopped", "stopped");
      if (err instanceof Error && err.name === "TimeoutError") {
        const route = path.split("/", 2).join("/");
        return { reason: `no answer from the endpoint's ${route} within ${Math.round(timeoutMs / 1000)} s` };
      }
      // fetch's network errors (refused, reset, broken mid-body) are TypeErrors; anything else is a bug.
      if (err instanceof TypeError) return { reason: `could not reach the endpoint at ${this.config.url} (${causeOf(err)})` };
      throw err;
    }
  }
}

/** `GET /health` once; the answer's HTTP status, or why there was none. */
export async function checkHealth(
  config: EndpointConfig,
  timeoutMs: number,
): Promise<{ status?: number; error?: string }> {
  try {
    const response = await fetch(`${config.url}/health`, {
      headers: config.apiKey ? { Authorization: `Bearer ${config.apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return { status: response.status };
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    return {
      error: timedOut
        ? `no answer from ${config.url}/health within ${Math.round(timeoutMs / 1000)} s`
        : `could not connect to the endpoint at ${config.url}`,
    };
  }
}

function causeOf(err: Error): string {
  const cause = err.cause as { code?: string } | undefined;
  return cause?.code ?? err.name;
}

function parseJson(text: string, route: string | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UnusableAnswer(`the endpoint's answer to /${route} is not JSON`);
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Retry-After as seconds or as an HTTP date, in ms; 0 when absent or unreadable. */
export function retryAfterMs(header: string | null): number {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}

function snippet(text: string): string {
  return text.split(/\s+/).join(" ").trim().slice(0, 200) || "(empty body)";
}
