/**
 * Frames for the tests: real JPEGs, and a real HTTP server on 127.0.0.1 that serves them (or a
 * 404, garbage, a 503 a few times first) and counts every request.
 *
 * The JPEGs are the Python suite's own (`testkit/images.py`, 854x480 like render-api's frames),
 * made by the worker's interpreter: Node has no JPEG encoder and the tests want no dependency.
 */

import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { PYTHON, REPO_ROOT } from "./worker.js";

const made = new Map<number, Buffer[]>();

/** `count` JPEG frames that differ in colour and label, so their descriptions may differ. */
export function distinctJpegs(count: number): Buffer[] {
  const cached = made.get(count);
  if (cached) return cached;
  const script =
    "import base64, json, sys\n" +
    "from testkit.images import distinct_jpegs\n" +
    "print(json.dumps([base64.b64encode(d).decode() for d in distinct_jpegs(int(sys.argv[1]))]))";
  const run = spawnSync(PYTHON, ["-c", script, String(count)], { cwd: REPO_ROOT, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`making test JPEGs failed: ${run.stderr}`);
  const frames = (JSON.parse(run.stdout) as string[]).map((b64) => Buffer.from(b64, "base64"));
  made.set(count, frames);
  return frames;
}

interface Route {
  body: Buffer;
  status: number;
  /** Answer 503 this many times first. */
  failTimes: number;
}

/** Serves `add`ed routes on a random port of 127.0.0.1; any other path is a 404. */
export class FrameServer {
  private readonly routes = new Map<string, Route>();
  private readonly requests: string[] = [];

  private constructor(private readonly server: Server) {
    server.on("request", (request, response) => {
      const path = request.url ?? "/";
      this.requests.push(path);
      let route = this.routes.get(path);
      if (route !== undefined && route.failTimes > 0) {
        route.failTimes -= 1;
        route = { body: Buffer.from("busy"), status: 503, failTimes: 0 };
      }
      route ??= { body: Buffer.from("<html>not found</html>"), status: 404, failTimes: 0 };
      response.writeHead(route.status, { "Content-Type": "image/jpeg", "Content-Length": route.body.length });
      response.end(route.body);
    });
  }

  static async start(): Promise<FrameServer> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    return new FrameServer(server);
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Serve `body` on `path`; returns its URL. */
  add(path: string, body: Buffer, options: { status?: number; failTimes?: number } = {}): string {
    this.routes.set(path, { body, status: options.status ?? 200, failTimes: options.failTimes ?? 0 });
    return this.url(path);
  }

  count(path: string): number {
    return this.requests.filter((p) => p === path).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }
}
