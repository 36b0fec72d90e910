import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The commands an evidence README prints: every line that begins with "$ ", in order. */
export function readmeCommands(folder: string): string[] {
  return readFileSync(join(folder, 'README.txt'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('$ '))
    .map((line) => line.slice(2));
}

export interface CommandRun {
  command: string;
  status: number | null;
  output: string;
}

/**
 * Runs each README command exactly as printed, in the evidence folder, one after another (a
 * later command may use a file an earlier one made), and says how each ended.
 */
export function runReadmeCommands(folder: string): CommandRun[] {
  return readmeCommands(folder).map((command) => {
    const run = spawnSync('sh', ['-c', command], { cwd: folder, encoding: 'utf8' });
    return { command, status: run.status, output: `${run.stdout}${run.stderr}` };
  });
}
