import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One `bash -euo pipefail` that a test feeds a page's shell blocks one at a time, as a person
 * pasting them into one terminal would: variables and the working folder carry over from block
 * to block, and the first failing command ends the shell (and the test, with what it printed).
 */
export class ShellSession {
  private readonly bash: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderr = '';
  private exited: string | null = null;
  private count = 0;

  constructor(
    private readonly cwd: string,
    private readonly scriptDir: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.bash.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.bash.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.bash.on('exit', (code, signal) => (this.exited = `bash exited (${code ?? signal})`));
    this.bash.stdin.write('set -euo pipefail\n');
  }

  /** Runs a block (from a file, its stdin /dev/null so no command reads the next block); its stdout. */
  async run(name: string, script: string): Promise<string> {
    const file = join(this.scriptDir, `${String(++this.count).padStart(2, '0')}-${name}.sh`);
    writeFileSync(file, script);
    const marker = `__block_${this.count}_done__`;
    const start = this.stdout.length;
    this.stderr = '';
    this.bash.stdin.write(`source ${JSON.stringify(file)} < /dev/null\necho ${marker}\n`);
    for (;;) {
      const end = this.stdout.indexOf(`${marker}\n`, start);
      if (end >= 0) return this.stdout.slice(start, end);
      if (this.exited) throw new Error(`block ${name} failed: ${this.exited}\nstdout:\n${this.stdout.slice(start)}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A shell variable's value as the blocks left it. */
  async get(variable: string): Promise<string> {
    return (await this.run(`get-${variable}`, `printf '%s\\n' "$${variable}"\n`)).replace(/\n$/, '');
  }

  close(): void {
    if (!this.exited) this.bash.kill('SIGKILL');
  }

  get folder(): string {
    return this.cwd;
  }
}
