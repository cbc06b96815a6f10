/**
 * Progress sinks the library can make itself: one that records every line (tests, and the summary
 * table). The terminal sink is the CLI's (src/cli/terminal.ts): library code never writes to stderr.
 */
import type { ProgressSink } from '../mgmt/contract.js';

/** A sink that records everything (tests, and the summary table). */
export function recordingProgress(): ProgressSink & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    step(node, name, status, detail) {
      lines.push(`${status} ${node ? `${node}: ` : ''}${name}${detail ? ` (${detail})` : ''}`);
    },
    info(line) {
      lines.push(line);
    },
  };
}
