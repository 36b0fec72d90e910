import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SOURCE = 'test/interop/bouncy/GongwenBouncy.java';
/** Where Debian's libbcprov-java and libbcpkix-java put Bouncy Castle (test/env/packages.sh installs them). */
const JARS = ['bcprov', 'bcpkix', 'bcutil'].map((name) => `/usr/share/java/${name}.jar`);

/** Why the Bouncy Castle suite cannot run here, or null: only a missing javac skips it. */
export function bouncyCastleUnavailable(): string | null {
  return spawnSync('javac', ['-version']).error ? 'javac not found (install default-jdk-headless; test/env/packages.sh does as root)' : null;
}

/**
 * The Java client of test/interop/bouncy, compiled with javac into a temp folder, run as a Java 公文
 * system would run it. Each call gets its files written to (and read back from) its own folder.
 */
export class BouncyCastleClient {
  private constructor(private readonly dir: string) {}

  static compile(): BouncyCastleClient {
    const missing = JARS.filter((jar) => !existsSync(jar));
    if (missing.length) throw new Error(`Bouncy Castle not installed (${missing.join(', ')}): apt-get install -y libbcprov-java libbcpkix-java`);
    const dir = mkdtempSync(join(tmpdir(), 'gongwen-bouncy-'));
    execFileSync('javac', ['-nowarn', '-cp', JARS.join(':'), '-d', join(dir, 'classes'), SOURCE], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new BouncyCastleClient(dir);
  }

  /** A detached CMS over `payload` as BC's CMSSignedData.getEncoded() writes it; flags: --pss, --sha1, --no-signing-certificate. */
  sign(payload: Uint8Array, signer: KeyPem, signingTime: string, flags: readonly string[] = []): Uint8Array {
    return this.inFolder((work) => {
      writeFileSync(join(work, 'payload.json'), payload);
      this.run(['sign', ...this.keyFiles(work, signer), 'payload.json', signingTime, 'step.p7s', ...flags], work);
      return new Uint8Array(readFileSync(join(work, 'step.p7s')));
    });
  }

  /** The SignerInfo (DER) BC's generateCounterSigners makes over the first SignerInfo of `cms`, with the 補簽 note. */
  countersign(cms: Uint8Array, signer: KeyPem, signingTime: string, note: string, flags: readonly string[] = []): Uint8Array {
    return this.inFolder((work) => {
      writeFileSync(join(work, 'target.p7s'), cms);
      this.run(['countersign', ...this.keyFiles(work, signer), 'target.p7s', signingTime, note, 'counter.der', ...flags], work);
      return new Uint8Array(readFileSync(join(work, 'counter.der')));
    });
  }

  /** BC's verdict on an exported evidence (its files by name): whether every check passed, and the lines it printed. */
  verifyEvidence(files: readonly { name: string; contentBase64: string }[]): { ok: boolean; lines: string[] } {
    return this.inFolder((work) => {
      for (const file of files) {
        const path = join(work, 'evidence', file.name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, Buffer.from(file.contentBase64, 'base64'));
      }
      const r = spawnSync('java', this.javaArgs(['verify', 'evidence']), { cwd: work, encoding: 'utf8' });
      if (r.status !== 0 && r.status !== 1) throw new Error(`java verify: ${r.stderr}`);
      return { ok: r.status === 0, lines: r.stdout.split('\n').filter(Boolean) };
    });
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private keyFiles(work: string, signer: KeyPem): string[] {
    writeFileSync(join(work, 'cert.pem'), signer.certPem);
    writeFileSync(join(work, 'key.pem'), signer.keyPem, { mode: 0o600 });
    return ['cert.pem', 'key.pem'];
  }

  private run(args: string[], cwd: string): void {
    const r = spawnSync('java', this.javaArgs(args), { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`java ${args[0]}: ${r.stderr || r.stdout}`);
  }

  private javaArgs(args: string[]): string[] {
    return ['-cp', [join(this.dir, 'classes'), ...JARS].join(':'), 'GongwenBouncy', ...args];
  }

  private inFolder<T>(body: (work: string) => T): T {
    const work = mkdtempSync(join(this.dir, 'call-'));
    try {
      return body(work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

export interface KeyPem {
  certPem: string;
  keyPem: string;
}
