import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { insertVirtualCard, makeVirtualReader, softhsmModulePath } from '../native/virtual-card.js';
import { loadDemoPki } from '../src-server/demo/demo-pki.js';
import { NO_ELECTRON_SENTENCE, electronBinary } from './electron-binary.js';

/**
 * npm start: the whole system on one machine. The document service with the demo's people and
 * documents on 127.0.0.1, a virtual card (SoftHSM) holding the vendor's card key where SoftHSM is
 * installed, and the desktop app pointed at both. Everything lives in ./.demo.
 */
const electron = electronBinary();
if (!electron) {
  console.log(NO_ELECTRON_SENTENCE);
  process.exit(1);
}

const demo = resolve('.demo');
const serviceData = join(demo, 'service');
const port = process.env.PORT ?? '8380';
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('npm', ['run', '-s', 'build']);
const serviceEnv = { ...process.env, GONGWEN_DATA_DIR: serviceData, DATABASE_URL: '' };
run(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', 'seed-demo'], serviceEnv);

const appEnv: NodeJS.ProcessEnv = { ...process.env, GONGWEN_SERVICE_URL: `http://127.0.0.1:${port}` };
try {
  const modulePath = softhsmModulePath();
  const cardDir = join(demo, 'card');
  const reader = makeVirtualReader(cardDir);
  if (!existsSync(join(cardDir, 'sign.cert.der'))) insertVirtualCard(reader, (await loadDemoPki(join(serviceData, 'demo-pki'))).cards.vendor!);
  Object.assign(appEnv, { SOFTHSM2_CONF: reader.conf, GONGWEN_PKCS11_MODULE: modulePath });
  console.log(`virtual card: the vendor's (公文系統廠商) card, PIN ${reader.pin}`);
} catch (error) {
  console.log(`no virtual card (${error instanceof Error ? error.message : String(error)}); a real card reader works as usual`);
}

const service: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src-server/cli.ts', 'serve', '--port', port], { env: serviceEnv, stdio: 'inherit' });
console.log('log in as vendor / gongwen-demo (temp-cert password gongwen-temp); other accounts are in the README');
const desktop = spawn(electron, ['.', `--user-data-dir=${join(demo, 'desktop')}`], { env: appEnv, stdio: 'inherit' });
const stop = () => {
  desktop.kill();
  service.kill();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
desktop.on('exit', (code) => {
  service.kill();
  process.exitCode = code ?? 0;
});
