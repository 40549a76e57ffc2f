/**
 * The command's progress bar on stderr, drawn as the Python command's (tqdm) is:
 *
 *     describing:  40%|████      | 2/5 [00:01<00:01,  1.93frame/s]
 *
 * Redrawn in place with a carriage return at most ten times a second, and once more, with a
 * newline, when it closes.
 */

const WIDTH = 10;
const BLOCKS = " ▏▎▍▌▋▊▉█";
const REDRAW_MS = 100;

export class ProgressBar {
  private count = 0;
  private readonly started = performance.now();
  private drawnAt = -Infinity;

  constructor(
    private readonly total: number,
    private readonly description: string,
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {
    this.draw(true);
  }

  update(count: number): void {
    this.count += count;
    this.draw(this.count >= this.total);
  }

  close(): void {
    this.draw(true);
    if (this.enabled) this.stream.write("\n");
  }

  private draw(force: boolean): void {
    const now = performance.now();
    if (!this.enabled || (!force && now - this.drawnAt < REDRAW_MS)) return;
    this.drawnAt = now;
    this.stream.write(`\r${this.line(now)}`);
  }

  private line(now: number): string {
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? this.count / elapsed : 0;
    const counts = `${this.count}/${this.total}`;
    if (this.total <= 0) return `${this.description}: ${counts} [${clock(elapsed)}, ${rateText(rate)}]`;
    const share = Math.min(this.count / this.total, 1);
    const eighths = Math.floor(share * WIDTH * 8);
    const full = Math.floor(eighths / 8);
    const bar = "█".repeat(full) + (full < WIDTH ? (BLOCKS[eighths % 8] as string) : "");
    const remaining = rate > 0 ? clock((this.total - this.count) / rate) : "?";
    const percent = `${Math.floor(share * 100)}`.padStart(3);
    return `${this.description}: ${percent}%|${bar.padEnd(WIDTH)}| ${counts} [${clock(elapsed)}<${remaining}, ${rateText(rate)}]`;
  }
}

function clock(seconds: number): string {
  const whole = Math.round(seconds);
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor(whole / 60) % 60, whole % 60];
  const mmss = `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

function rateText(rate: number): string {
  return rate > 0 ? `${rate.toFixed(2).padStart(5)}frame/s` : "?frame/s";
}
