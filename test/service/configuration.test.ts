import { X509Certificate } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgencyPolicy, parseAgencyPolicy } from '../../src-server/policy/agency-policy.js';
import { configFromEnvironment } from '../../src-server/service.js';
import { Clerk, startTestService } from '../helpers/service.js';

describe('configuration from the environment', () => {
  it('reads the session lifetime and the temp-cert validity, and refuses nonsense in a sentence', () => {
    const config = configFromEnvironment({ GONGWEN_DATA_DIR: '/srv/gongwen', GONGWEN_SESSION_HOURS: '8', GONGWEN_TEMP_CERT_DAYS: '30' });
    expect(config).toMatchObject({ dataDir: '/srv/gongwen', sessionHours: 8, tempCertValidityDays: 30 });
    expect(configFromEnvironment({}).sessionHours).toBeUndefined();
    expect(() => configFromEnvironment({ GONGWEN_SESSION_HOURS: 'ten' })).toThrow('GONGWEN_SESSION_HOURS must be a whole number from 1 to 168, not "ten".');
    expect(() => configFromEnvironment({ GONGWEN_TEMP_CERT_DAYS: '0' })).toThrow(/GONGWEN_TEMP_CERT_DAYS must be a whole number/);
  });

  it('reads the public URL that temp certificates name for their CRL, and refuses one it cannot write into them', () => {
    expect(configFromEnvironment({}).publicUrl).toBe('http://127.0.0.1:8380');
    expect(configFromEnvironment({ PORT: '9000' }).publicUrl).toBe('http://127.0.0.1:9000');
    expect(configFromEnvironment({ GONGWEN_PUBLIC_URL: 'https://gongwen.example.gov.tw/doc/' }).publicUrl).toBe('https://gongwen.example.gov.tw/doc');
    for (const bad of ['gongwen.example.gov.tw', 'ftp://x.gov.tw', 'https://u:p@x.gov.tw', 'https://x.gov.tw/?a=1', 'https://x.gov.tw/#top'])
      expect(() => configFromEnvironment({ GONGWEN_PUBLIC_URL: bad })).toThrow(/GONGWEN_PUBLIC_URL must be an http\(s\) URL/);
  });

  it('a temp certificate issued under GONGWEN_TEMP_CERT_DAYS=30 is valid for 30 days', async () => {
    const service = await startTestService('sqlite', { tempCertValidityDays: 30 });
    try {
      const clerk = await Clerk.login(service, 'chen.chiming');
      await clerk.enableTempCert();
      const row = await service.ctx.storage.db.selectFrom('temp_certificates').select('der').executeTakeFirstOrThrow();
      const cert = new X509Certificate(row.der);
      const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
      expect(Math.round(days)).toBe(30);
    } finally {
      await service.close();
    }
  });
});

describe('the agency policy (GONGWEN_POLICY)', () => {
  it('defaults to the seed’s rules and reads a partial file over them', () => {
    expect(parseAgencyPolicy('{}', 'policy.json')).toEqual({
      resign: { due: 'archive', onBehalfBy: 'both', paperAccepted: false, overdueAfterDays: 7 },
      tempCert: { approval: 'none', periodDays: null },
    });
    const policy = parseAgencyPolicy('{"resign":{"due":"dispatch","paperAccepted":true},"tempCert":{"approval":"unit-head","periodDays":30}}', 'p.json');
    expect(policy.resign).toEqual({ due: 'dispatch', onBehalfBy: 'both', paperAccepted: true, overdueAfterDays: 7 });
    expect(policy.tempCert).toEqual({ approval: 'unit-head', periodDays: 30 });
  });

  it('refuses a value it cannot use with a sentence naming the field', async () => {
    expect(() => parseAgencyPolicy('{"resign":{"due":"never"}}', 'p.json')).toThrow(/p\.json has a value the service cannot use at "resign\.due"/);
    expect(() => parseAgencyPolicy('{"resign":{"overdueAfterDays":0}}', 'p.json')).toThrow(/"resign\.overdueAfterDays"/);
    expect(() => parseAgencyPolicy('{"tempCert":{"periodDays":1.5}}', 'p.json')).toThrow(/"tempCert\.periodDays"/);
    expect(() => parseAgencyPolicy('{"resign":{"deu":"archive"}}', 'p.json')).toThrow(/"resign"/); // a misspelt key is not ignored
    expect(() => parseAgencyPolicy('{"resign":', 'p.json')).toThrow(/p\.json is not JSON/);
    await expect(loadAgencyPolicy('/nonexistent/policy.json')).rejects.toThrow('GONGWEN_POLICY names /nonexistent/policy.json, which cannot be read (ENOENT).');
    expect(configFromEnvironment({ GONGWEN_POLICY: '/etc/gongwen/policy.json' }).policyPath).toBe('/etc/gongwen/policy.json');
  });

  it('a service with a bad policy file does not start; a good one is served to clients', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gongwen-policy-'));
    await writeFile(join(dir, 'bad.json'), '{"resign":{"due":"later"}}');
    await expect(startTestService('sqlite', { config: { policyPath: join(dir, 'bad.json') } })).rejects.toThrow(/"resign\.due"/);
    await writeFile(join(dir, 'good.json'), '{"resign":{"overdueAfterDays":14}}');
    const service = await startTestService('sqlite', { config: { policyPath: join(dir, 'good.json') } });
    try {
      const clerk = await Clerk.login(service, 'chen.chiming');
      const reply = await clerk.call('GET', '/api/policy');
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ resign: { due: 'archive', overdueAfterDays: 14 }, tempCert: { approval: 'none', periodDays: null } });
    } finally {
      await service.close();
    }
  });
});
