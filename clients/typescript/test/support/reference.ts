/**
 * The reference the client's results must equal: the worker's description of a frame sent as
 * the only frame of a job, by a raw `/run` + `POST /status` that does not go through the client.
 */

import assert from "node:assert/strict";

const alone = new Map<string, string>();

export async function describeAlone(
  apiUrl: string,
  frame: Buffer,
  shape: { prompt?: string; maxNewTokens?: number } = {},
): Promise<string> {
  const key = JSON.stringify([apiUrl, frame.toString("base64"), shape.prompt, shape.maxNewTokens]);
  const cached = alone.get(key);
  if (cached !== undefined) return cached;
  const input: Record<string, unknown> = { frame_data: [frame.toString("base64")], format: "base64" };
  if (shape.prompt !== undefined) input.prompt = shape.prompt;
  if (shape.maxNewTokens !== undefined) input.max_new_tokens = shape.maxNewTokens;
  const output = (await rawJob(apiUrl, input)) as { descriptions: string[]; failed_indices: number[] };
  assert.deepEqual(output.failed_indices, [], JSON.stringify(output));
  const description = output.descriptions[0] as string;
  alone.set(key, description);
  return description;
}

/** Every frame's description alone, in order. */
export async function describeEachAlone(apiUrl: string, frames: Buffer[]): Promise<string[]> {
  const descriptions: string[] = [];
  for (const frame of frames) descriptions.push(await describeAlone(apiUrl, frame));
  return descriptions;
}

/** One job's `output` through the local API, by hand. */
export async function rawJob(apiUrl: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const run = await fetch(`${apiUrl}/run`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ input }),
  });
  const { id } = (await run.json()) as { id: string };
  const status = (await (await fetch(`${apiUrl}/status/${id}`, { method: "POST" })).json()) as {
    status: string;
    output: Record<string, unknown>;
  };
  assert.equal(status.status, "COMPLETED", JSON.stringify(status));
  return status.output;
}

/** Whether the worker names each failed frame's cause in `error_codes` (it is being added). */
export async function workerSendsCodes(apiUrl: string): Promise<boolean> {
  const output = await rawJob(apiUrl, {
    frame_data: [Buffer.from("not an image").toString("base64")],
    format: "base64",
  });
  return Array.isArray(output.error_codes);
}
