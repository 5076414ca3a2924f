/**
 * Progress of long jobs (import, generate). A job reports steps and counts through `Progress`;
 * on a terminal the CLI draws a bar, elsewhere it stays quiet and prints the summary at the end.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** A new named step with a known total (bytes, rows) or unknown (0). */
  start(step: string, total: number): void;
  /** The position within the current step (absolute, not a delta). */
  update(value: number, counts?: Record<string, number>): void;
  stop(): void;
}

export const silentProgress: Progress = {
  start() {},
  update() {},
  stop() {},
};

/** A bar on stderr; it redraws at most ten times a second. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(step, total) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${step.padEnd(10)} [{bar}] {percentage}% | {counts}`,
          fps: 10,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(total, 1), 0, { counts: '' });
    },
    update(value, counts) {
      const text = counts ? Object.entries(counts).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ') : '';
      bar?.update(value, { counts: text });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
