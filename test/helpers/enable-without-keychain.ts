import { OsKeychain } from '../../src-main/keychain/keychain.js';
import { ServiceClient } from '../../src-main/service-client/service-client.js';
import { TempCertStore } from '../../src-main/temp-cert/temp-cert-store.js';

// Run in a process whose environment has no Secret Service: IFT930's enable must refuse and write nothing.
const [url, account, password, dataDir] = process.argv.slice(2) as [string, string, string, string];
const client = new ServiceClient({ baseUrl: url });
await client.login(account, 'gongwen-demo');
const store = new TempCertStore(dataDir, new OsKeychain('GongwenDesk no keychain'), client);
try {
  await store.enable(account, password, 'PC', 'gongwen-demo');
  console.log(JSON.stringify({ code: 'none' }));
} catch (error) {
  console.log(JSON.stringify({ code: (error as { code?: string }).code, message: (error as Error).message }));
}
