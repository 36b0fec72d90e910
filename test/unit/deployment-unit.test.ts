import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The unit file's settings, `Key=value` per line (comments and sections dropped). */
function unitSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) settings.set(m[1]!, m[2]!);
  }
  return settings;
}

describe('the systemd unit is the one the README describes', () => {
  const unit = unitSettings(readFileSync('build/gongwen-server.service', 'utf8'));
  const readme = readFileSync('README.md', 'utf8');
  const deployment = readme.slice(readme.indexOf('### Deployment'), readme.indexOf('## Why each dependency is here'));

  it('runs the built service with node as its own user, hardened', () => {
    expect(unit.get('ExecStart')).toMatch(/^\/usr\/bin\/node \/opt\/gongwen-server\/gongwen-server\.mjs serve\b/);
    expect(unit.get('ExecStart')).not.toMatch(/tsx|\.ts\b/);
    expect(unit.get('User')).toBe('gongwen');
    expect(unit.get('NoNewPrivileges')).toBe('yes');
    expect(unit.get('ProtectSystem')).toBe('strict');
    expect(unit.get('PrivateTmp')).toBe('yes');
    expect(unit.get('UMask')).toBe('0077');
    expect(unit.get('CapabilityBoundingSet')).toBe('');
  });

  it('writes only to the data folder that its environment file names, and the README says the same', () => {
    const dataDir = unit.get('ReadWritePaths');
    const envFile = unit.get('EnvironmentFile');
    expect(deployment).toContain(`GONGWEN_DATA_DIR=${dataDir}`);
    expect(deployment).toContain(`ReadWritePaths=${dataDir}`);
    expect(deployment).toContain(envFile);
    expect(deployment).toContain(`User=${unit.get('User')}`);
    expect(deployment).toContain(unit.get('ExecStart')!.split(' --')[0]!.replace('/usr/bin/', ''));
    for (const hardening of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes']) expect(deployment).toContain(hardening);
    // The README's install steps copy what build:server writes, where the unit looks for it.
    expect(deployment).toContain('cp out/server/gongwen-server.mjs out/server/package.json /opt/gongwen-server/');
    expect(deployment).toContain('GONGWEN_TRUST_PROXY');
  });

  // systemd's own check of the file's syntax and settings, where the machine has systemd.
  it.skipIf(!existsSync('/usr/bin/systemd-analyze'))('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', 'build/gongwen-server.service'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
