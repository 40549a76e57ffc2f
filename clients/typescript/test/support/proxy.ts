/**
 * A fault proxy on 127.0.0.1 in front of the real worker's local API, for the client's tests.
 *
 * It forwards `/run` and `/status/{id}` to `python handler.py --rp_serve_api`, records every job
 * body the client sends, and counts the status calls that run a job (on the local API a job
 * runs during its status call). On request it misbehaves: answer `/run` with 503, rewrite a
 * job's status answer (FAILED, `output.error`, an `error_codes` answer), lose an answer with
 * HTTP 500 after the worker ran the job, hold the first job until others have finished (jobs
 * complete out of order), hold status calls until a number are in flight. With `hostedKey` it
 * plays the hosted API: routes under `/v2/{endpoint}`, a Bearer key, GET for status, IN_QUEUE
 * on a job's first check (or on every check), `/cancel`, `/health`.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const HOSTED_ENDPOINT_ID = "test-endpoint";
const HOLD_TIMEOUT_MS = 60_000;

export type Json = Record<string, unknown>;

/** Which job a status answer belongs to: its input, and which run of that same input this is. */
export interface JobCall {
  input: Json;
  attempt: number;
}

export class ApiProxy {
  readonly url: string;
  /** Every `/run` input, in arrival order, and its body's size in bytes. */
  readonly jobInputs: Json[] = [];
  readonly bodySizes: number[] = [];
  readonly statusMethods: string[] = [];
  maxInFlight = 0;
  finishedWhileHeld: number | undefined;

  // Misbehaviour, set by a test before the client runs.
  /** Replace a job-running status answer (after the worker ran the job). */
  rewrite: ((answer: Json, job: JobCall) => Json) | undefined;
  /** Answer this many `/run` calls with HTTP 503 and `Retry-After: 0` without forwarding them. */
  busyRuns = 0;
  /** Every `/run` call, answered or not. */
  runCalls = 0;
  /** Answer this many job-running status calls with HTTP 500, after the job ran. */
  loseResponses = 0;
  /** Hold job-running status calls until this many are in flight (once). */
  barrier = 0;
  /** Hold the first job until this many other jobs have finished. */
  holdFirstJobUntil = 0;
  /** Hosted: answer IN_QUEUE to every status check (no worker ever takes a job). */
  stuckInQueue = false;
  /** Hold every job after this many until `release()` (undefined: hold none). */
  holdJobsAfter: number | undefined;
  private released = false;
  /** Every job id the client cancelled. */
  readonly cancelled: string[] = [];

  private inFlight = 0;
  private finished = 0;
  private barrierDone = false;
  private firstJob: string | undefined;
  private readonly jobs = new Map<string, JobCall>();
  private readonly hostedSeen = new Set<string>();
  private readonly hostedAnswers = new Map<string, Json>();
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    private readonly upstream: string,
    private readonly hostedKey: string | undefined,
  ) {
    const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.url = hostedKey ? `${root}/v2/${HOSTED_ENDPOINT_ID}` : root;
    server.on("request", (request, response) => {
      this.route(request, response).catch((err: unknown) => answer(response, 502, { error: String(err) }));
    });
  }

  static async start(upstream: string, options: { hostedKey?: string } = {}): Promise<ApiProxy> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    return new ApiProxy(server, upstream.replace(/\/$/, ""), options.hostedKey);
  }

  /** Let the held jobs run. */
  release(): void {
    this.released = true;
    this.changed();
  }

  /** Every frame entry of every job, in the order the jobs arrived. */
  framesSent(): string[] {
    return this.jobInputs.flatMap((input) => (input.frame_data ?? input.frame_urls ?? []) as string[]);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const prefix = this.hostedKey ? `/v2/${HOSTED_ENDPOINT_ID}` : "";
    const url = request.url ?? "/";
    if (!url.startsWith(prefix)) return answer(response, 404, { error: "not found" });
    const path = url.slice(prefix.length);
    const method = request.method ?? "GET";
    if (this.hostedKey && request.headers.authorization !== `Bearer ${this.hostedKey}`) {
      return answer(response, 401, { error: "Unauthorized" });
    }
    if (path === "/run" && method === "POST") return this.run(response, body);
    if (path === "/health" && this.hostedKey) {
      return answer(response, 200, {
        jobs: { completed: 0, failed: 0, inProgress: 0, inQueue: 0 },
        workers: { idle: 1 },
      });
    }
    if (path.startsWith("/cancel/") && method === "POST") {
      this.cancelled.push(decodeURIComponent(path.slice("/cancel/".length)));
      return answer(response, 200, { id: path.slice("/cancel/".length), status: "CANCELLED" });
    }
    if (!path.startsWith("/status/")) return answer(response, 404, { error: "not found" });
    const jobId = decodeURIComponent(path.slice("/status/".length));
    this.statusMethods.push(method);
    if (this.hostedKey) {
      if (method !== "GET") return answer(response, 405, { detail: "Method Not Allowed" });
      return this.hostedStatus(response, jobId);
    }
    if (method === "GET") {
      const [status, upstream] = await forward("GET", `${this.upstream}${path}`); // the local API's 405
      return answer(response, status, upstream);
    }
    const [status, result] = await this.runJob(jobId);
    if (this.loseResponses > 0) {
      this.loseResponses -= 1;
      return answer(response, 500, { error: "lost on the way back" });
    }
    return answer(response, status, result);
  }

  private async run(response: ServerResponse, body: Buffer): Promise<void> {
    this.runCalls += 1;
    if (this.busyRuns > 0) {
      this.busyRuns -= 1;
      return answer(response, 503, { error: "busy" }, { "Retry-After": "0" });
    }
    const [status, result] = await forward("POST", `${this.upstream}/run`, body);
    if (status === 200) {
      const input = (JSON.parse(body.toString()) as { input: Json }).input;
      const same = this.jobInputs.filter((earlier) => JSON.stringify(earlier) === JSON.stringify(input)).length;
      this.jobInputs.push(input);
      this.bodySizes.push(body.length);
      this.jobs.set(result.id as string, { input, attempt: same + 1 });
      this.firstJob ??= result.id as string;
    }
    answer(response, status, result);
  }

  private async hostedStatus(response: ServerResponse, jobId: string): Promise<void> {
    const cached = this.hostedAnswers.get(jobId);
    if (cached) return answer(response, 200, cached);
    if (!this.hostedSeen.has(jobId) || this.stuckInQueue) {
      this.hostedSeen.add(jobId);
      return answer(response, 200, { id: jobId, status: "IN_QUEUE" });
    }
    const [status, result] = await this.runJob(jobId);
    if (status === 200) this.hostedAnswers.set(jobId, result);
    answer(response, status, result);
  }

  /** Forward the status call that runs the job, counted as in flight meanwhile. */
  private async runJob(jobId: string): Promise<[number, Json]> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.changed();
    const held = this.holdFirstJobUntil > 0 && jobId === this.firstJob;
    try {
      if (this.barrier && !this.barrierDone) {
        await this.until(() => this.inFlight >= this.barrier);
        this.barrierDone = true;
      }
      if (this.holdJobsAfter !== undefined && this.finished >= this.holdJobsAfter) {
        await this.until(() => this.released);
      }
      if (held) {
        await this.until(() => this.finished >= this.holdFirstJobUntil);
        this.finishedWhileHeld = this.finished;
      }
      const [status, result] = await forward("POST", `${this.upstream}/status/${encodeURIComponent(jobId)}`);
      const job = this.jobs.get(jobId);
      if (status === 200 && this.rewrite && job) return [status, this.rewrite(result, job)];
      return [status, result];
    } finally {
      this.inFlight -= 1;
      if (!held) this.finished += 1;
      this.changed();
    }
  }

  private changed(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, HOLD_TIMEOUT_MS);
      const check = (): void => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }
}

async function forward(method: string, url: string, body?: Buffer): Promise<[number, Json]> {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(HOLD_TIMEOUT_MS * 2),
  });
  const text = await response.text();
  try {
    return [response.status, JSON.parse(text) as Json];
  } catch {
    return [response.status, { error: text }];
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function answer(response: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { ...headers, "Content-Type": "application/json", "Content-Length": data.length });
  response.end(data);
}
