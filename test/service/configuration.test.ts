import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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
