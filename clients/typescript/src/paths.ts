/**
 * The command's FRAME arguments expanded into one frame each, as the Python command expands
 * them: a URL as it is, a file as given, a folder as its image files sorted by name with runs of
 * digits compared as numbers (frame_2 before frame_10), joined to the folder as given.
 */

import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";

import { VisionConfigError } from "./errors.js";

export const IMAGE_SUFFIXES = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"];
export const URL_PATTERN = /^https?:\/\//i;

/** Paths, folders and URLs, expanded in order into one frame per entry. */
export function expandFrames(args: readonly string[]): string[] {
  const frames: string[] = [];
  for (const arg of args) {
    if (URL_PATTERN.test(arg)) {
      frames.push(arg);
      continue;
    }
    let stat;
    try {
      stat = statSync(arg);
    } catch {
      throw new VisionConfigError(`no such file, folder or http(s) URL: ${arg}`);
    }
    if (stat.isDirectory()) {
      const images = readdirSync(arg, { withFileTypes: true })
        .filter((entry) => entry.isFile() && IMAGE_SUFFIXES.includes(extname(entry.name).toLowerCase()))
        .map((entry) => entry.name);
      if (images.length === 0) {
        throw new VisionConfigError(`no image files (${[...IMAGE_SUFFIXES].sort().join(", ")}) in folder ${arg}`);
      }
      frames.push(...images.sort(byNaturalName).map((name) => join(arg, name)));
    } else {
      frames.push(arg);
    }
  }
  return frames;
}

/** Runs of digits compared as numbers, the rest case-blind: frame_2 before frame_10. */
export function byNaturalName(a: string, b: string): number {
  const [x, y] = [a.split(/(\d+)/), b.split(/(\d+)/)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i] as string, y[i] as string];
    const order = i % 2 === 1 ? Number(p) - Number(q) : p.toLowerCase() < q.toLowerCase() ? -1 : p.toLowerCase() > q.toLowerCase() ? 1 : 0;
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

