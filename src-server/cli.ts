import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fromPem } from '../src-shared/node/pki/x509.js';
import { requirePasswordPolicy } from './accounts/password-policy.js';
import { resetPassword } from './accounts/password-reset.js';
import { listPeople, type PersonRecord } from './accounts/people.js';
import { createUser, ensureUnit, findUserByAccount, registerCardCertificate } from './accounts/users.js';
import { verifyAuditChain } from './audit/audit-log.js';
import { buildEvidence, findDocumentId, writeEvidence } from './evidence/evidence.js';
import { buildApp } from './http/app.js';
import { loadTls } from './http/tls.js';
import { backupSqlite } from './operations/backup.js';
import { describeFailure } from './operations/cli-failure.js';
import { OperatorError } from './operations/operator-error.js';
import { splitCardChain } from './signatures/card-registration.js';
import { listCards, retireCard } from './signatures/card-replacement.js';
import type { CardRecord } from '../src-shared/common/api/cards.js';
import { separateUser } from './organisation/separation.js';
import { AdminRole } from '../src-shared/common/api/admin.js';
import { grantRole, revokeRole } from './admin/roles.js';
import { setUnitHead } from './organisation/unit-heads.js';
import { configFromEnvironment, createContext } from './service.js';
import { startTimeStampQueue } from './timestamp/signature-time-stamps.js';
import { describeEvidenceVerification, verifyEvidenceFolder } from './evidence/verify-evidence.js';
import { startCrlRefresh } from './revocation/crl-schedule.js';

const usage = `GongwenDesk document service

  serve [--host 127.0.0.1] [--port 8380]     run the HTTP service
  verify-audit                               check the audit log's hash chain
  backup <file>                              online copy of the SQLite database (PostgreSQL: pg_dump)
  export-evidence <document number> <folder> signed payloads, CMS and trust anchors, for openssl
  verify-evidence [--card-roots <pem>] [--temp-ca <pem>] [--tsa <pem>] <folder>
                                             check an exported folder alone, years later: each
                                             signature as of its trusted time-stamp (or now),
                                             against the folder's trust/ or the files named
  add-unit <id> <name>
  add-user <account> <name> <unit id> <title>   (password from GONGWEN_NEW_PASSWORD)
  list-users [--unit <id>] [--state active|separated]
                                             every person: account, name, unit, title, state
                                             (active / separated), cards, last login
  reset-password <account>                   a new login password (from GONGWEN_NEW_PASSWORD,
                                             held to the password policy); ends their sessions
  refresh-crls                               fetch the card CRLs (GONGWEN_CARD_CRLS) now
  register-card <account> <certificate.pem>  bind a card certificate (PEM: the card's and its
                                             intermediates) to a user, after validating it
                                             (an administrator: no same-person check; a
                                             replacement or a first card alike)
  list-cards <account>                       the cards registered to a user, with their state
  retire-card <account> <SHA-256>            retire (unregister) a card, lost or replaced: it
                                             signs and logs in no more; what it signed still verifies
  set-unit-head <unit id> <account>          the unit's head (權責主管): approves its people's
                                             temp-cert applications (when the policy asks),
                                             re-signs on their behalf, names deputies for them
  separate-user <account> [--on YYYY-MM-DD]  離職 (disable the account): ends their sessions,
                                             revokes their temp certs, refuses their logins;
                                             --on a day up to today (Taiwan)
  grant-role <account> <role>                a console role: it-admin (系統管理者) or records
                                             (檔案管理); GONGWEN_ADMINISTRATORS are it-admin too
  revoke-role <account> <role>               take a console role held in the database away

Environment: GONGWEN_DATA_DIR (default ./data), DATABASE_URL (postgres://… instead of SQLite),
GONGWEN_TEMP_CA_CERT / GONGWEN_TEMP_CA_KEY, GONGWEN_SEAL_KEY_FILE, GONGWEN_CARD_ROOTS, GONGWEN_ADMINISTRATORS, GONGWEN_CARD_CRLS.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Before the configuration: a records office checking a folder decades on has no service.
  if (command === 'verify-evidence') return verifyEvidence(rest);
  const config = configFromEnvironment();
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: process.env.PORT ?? '8380' } },
      });
      const port = Number(values.port);
      if (!/^\d+$/.test(values.port) || port < 1 || port > 65535)
        throw new OperatorError(`--port (or PORT) must be a port number from 1 to 65535, not "${values.port}".`, 2);
      const tls = await loadTls(config.tlsCertPath, config.tlsKeyPath, new Date()); // before the database: a wrong file stops the start at once
      const ctx = await createContext(config);
      // GONGWEN_LOG_LEVEL=warn drops the two lines per request (for load tests; production keeps info).
      const app = await buildApp(ctx, {
        logger: { level: process.env.GONGWEN_LOG_LEVEL ?? 'info', redact: ['req.headers.authorization'] },
        tls,
        trustedProxies: config.trustedProxies,
      });
      if (ctx.cardRoots.length === 0) {
        const rootsPath = config.cardRootsPath ?? join(config.dataDir, 'trust', 'card-roots.pem');
        // To the operator's terminal (stderr), at once: not a request log line.
        console.warn(
          `No card root is trusted (${rootsPath} holds no certificate): every card signature will be refused until the agency's card root CA is put there (or GONGWEN_CARD_ROOTS names it) and the service restarted.`,
        );
      }
      if (!process.env.GONGWEN_PUBLIC_URL)
        console.warn(
          `GONGWEN_PUBLIC_URL is not set: temp certificates name ${config.publicUrl}/api/temp-ca/crl as where their CRL is, which only this machine can reach. Set it to the address the agency's PCs use.`,
        );
      const close = () => void app.close().then(() => process.exit(0));
      process.once('SIGINT', close);
      process.once('SIGTERM', close);
      try {
        await app.listen({ host: values.host, port });
      } catch (error) {
        await app.close(); // closes the database too, so the process can end with the sentence
        throw error;
      }
      startTimeStampQueue(ctx, 60_000, (message) => app.log.info(message));
      startCrlRefresh(
        ctx,
        (message) => app.log.warn(message),
        (message) => app.log.info(message),
      );
      console.log(`document service on ${tls ? 'https' : 'http'}://${values.host}:${values.port} (${ctx.storage.dialect}; data in ${config.dataDir})`);
      return -1; // keep running
    }
    case 'verify-audit':
      return withContext(config, async (ctx) => {
        // Opening the storage sealed what was pending; what still waits cannot be sealed now.
        const verdict = await verifyAuditChain(ctx.storage.db);
        if (verdict.ok) console.log(`audit log intact: ${verdict.entries} entries`);
        else console.log(`audit log BROKEN at entry ${verdict.firstBroken!.seq}: ${verdict.firstBroken!.reason}`);
        const stale = verdict.stalePending;
        if (stale)
          console.log(
            `${stale.count} audit entr${stale.count === 1 ? 'y has' : 'ies have'} waited since ${stale.oldestAt} to be chained: sealing fails (see the service's log)`,
          );
        return verdict.ok && !stale ? 0 : 1;
      });
    case 'backup': {
      const [file] = rest;
      if (!file) return fail('backup <file>');
      const url = config.databaseUrl;
      if (url && /^postgres(ql)?:\/\//.test(url))
        throw new OperatorError('backup copies the SQLite database; for PostgreSQL use pg_dump (see Backups in the README).');
      const done = await backupSqlite(url ? url.replace(/^sqlite:/, '') : join(config.dataDir, 'gongwen.sqlite'), file);
      console.log(
        `backup written to ${done.path} (${done.pages} pages); to restore, stop the service, remove gongwen.sqlite and its -wal and -shm files, and put the copy in its place`,
      );
      return 0;
    }
    case 'export-evidence': {
      const [number, folder] = rest;
      if (!number || !folder) return fail('export-evidence <document number> <folder>');
      return withContext(config, async (ctx) => {
        const written = await writeEvidence(await buildEvidence(ctx, await findDocumentId(ctx, number)), resolve(folder));
        console.log(`${written.length} files written to ${resolve(folder)}; see README.txt there`);
        return 0;
      });
    }
    case 'refresh-crls':
      return withContext(config, async (ctx) => {
        if (ctx.cardRevocation.sources.length === 0) throw new OperatorError('GONGWEN_CARD_CRLS names no CRL source; nothing to fetch.', 2);
        // createContext fetched them already; once more here reports each source's outcome.
        const outcomes = await ctx.cardRevocation.refresh();
        for (const r of outcomes) console.log(`${r.outcome.padEnd(11)} ${r.source}: ${r.detail}${r.sha256 ? ` (SHA-256 ${r.sha256})` : ''}`);
        return outcomes.some((r) => r.outcome === 'refused' || r.outcome === 'unreachable') ? 1 : 0;
      });
    case 'add-unit': {
      const [id, name] = rest;
      if (!id || !name) return fail('add-unit <id> <name>');
      return withContext(config, async (ctx) => (await ensureUnit(ctx.storage, id, name), 0));
    }
    case 'add-user': {
      const [account, name, unitId, title] = rest;
      const password = process.env.GONGWEN_NEW_PASSWORD;
      if (!account || !name || !unitId || !title || !password) return fail('add-user <account> <name> <unit id> <title>, with GONGWEN_NEW_PASSWORD set');
      requirePasswordPolicy(account, password);
      return withContext(config, async (ctx) => {
        if (await findUserByAccount(ctx.storage.db, account)) throw new OperatorError(`The account ${account} already exists; nothing was changed.`);
        await createUser(ctx, { account, name, unitId, title, password });
        return 0;
      });
    }
    case 'list-users': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { unit: { type: 'string' }, state: { type: 'string' } } });
      const state = values.state;
      if (positionals.length > 0 || (state !== undefined && state !== 'active' && state !== 'separated'))
        return fail('list-users [--unit <unit id>] [--state active|separated]');
      return withContext(config, async (ctx) => {
        const people = await listPeople(ctx, { unitId: values.unit, state });
        if (people.length === 0) console.log('no one matches');
        for (const p of people) printPerson(p);
        return 0;
      });
    }
    case 'reset-password': {
      const [account, ...extra] = rest;
      const password = process.env.GONGWEN_NEW_PASSWORD;
      if (!account || extra.length > 0 || !password) return fail('reset-password <account>, with GONGWEN_NEW_PASSWORD set');
      return withContext(config, async (ctx) => {
        const done = await resetPassword(ctx, { by: null, account, password });
        console.log(`${account} has a new password: ${done.sessionsEnded} sessions ended; they log in with the new one`);
        return 0;
      });
    }
    case 'register-card': {
      const [account, pemPath] = rest;
      if (!account || !pemPath) return fail('register-card <account> <certificate.pem>');
      const ders = fromPem(await readFile(pemPath, 'utf8'));
      if (ders.length === 0) return fail(`${pemPath} holds no PEM certificate`);
      // The card's certificate and the intermediates it sits under, in any order.
      const { leaf, intermediates } = splitCardChain(ders);
      return withContext(config, async (ctx) => {
        const r = await registerCardCertificate(ctx, account, leaf, intermediates);
        console.log(r.alreadyRegistered ? `already registered to ${account}; nothing changed:` : `registered to ${account}:`);
        console.log(`  subject    ${r.subject.replaceAll('\n', ', ')}`);
        console.log(`  serial     ${r.serial}`);
        console.log(`  valid      ${r.notBefore} to ${r.notAfter}`);
        console.log(`  key usage  ${r.keyUsage}`);
        console.log(`  SHA-256    ${r.sha256}`);
        return 0;
      });
    }
    case 'list-cards': {
      const [account] = rest;
      if (!account) return fail('list-cards <account>');
      return withContext(config, async (ctx) => {
        const user = await findUserByAccount(ctx.storage.db, account);
        if (!user) throw new OperatorError(`There is no account ${account}.`);
        const cards = await listCards(ctx, user.id);
        if (cards.length === 0) console.log(`no card is registered to ${account}`);
        for (const c of cards) printCard(c);
        return 0;
      });
    }
    case 'retire-card': {
      const [account, sha256] = rest;
      if (!account || !sha256 || !/^[0-9a-f]{64}$/.test(sha256)) return fail('retire-card <account> <SHA-256 of the card certificate, as list-cards shows it>');
      return withContext(config, async (ctx) => {
        const user = await findUserByAccount(ctx.storage.db, account);
        if (!user) throw new OperatorError(`There is no account ${account}.`);
        const card = await retireCard(ctx, user.id, account, sha256, null);
        console.log(`retired (it signs and logs in no more; what it signed still verifies):`);
        printCard(card);
        return 0;
      });
    }
    case 'set-unit-head': {
      const [unitId, account] = rest;
      if (!unitId || !account) return fail('set-unit-head <unit id> <account>');
      return withContext(config, async (ctx) => {
        const { previous } = await setUnitHead(ctx, unitId, account);
        console.log(`${account} is now the head of ${unitId}${previous && previous !== account ? ` (was ${previous})` : ''}`);
        return 0;
      });
    }
    case 'separate-user': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { on: { type: 'string' } } });
      const [account] = positionals;
      if (!account || positionals.length > 1) return fail('separate-user <account> [--on YYYY-MM-DD]');
      return withContext(config, async (ctx) => {
        const done = await separateUser(ctx, null, account, values.on);
        console.log(`${account} separated from ${done.separatedAt}: ${done.sessionsEnded} sessions ended, ${done.tempCertsRevoked} temp certificates revoked`);
        console.log(`  ${done.pendingResign} temp-signed steps not yet re-signed are now due on their behalf (代為補簽)`);
        if (done.headOf.length > 0) console.log(`  they were head of ${done.headOf.join(', ')}: set a new head with set-unit-head`);
        return 0;
      });
    }
    case 'grant-role':
    case 'revoke-role': {
      const [account, roleName] = rest;
      const role = AdminRole.safeParse(roleName);
      if (!account || !role.success || rest.length > 2) return fail(`${command} <account> <it-admin | records>`);
      return withContext(config, async (ctx) => {
        if (!(await findUserByAccount(ctx.storage.db, account))) throw new OperatorError(`There is no account ${account}.`);
        if (command === 'grant-role') await grantRole(ctx, null, account, role.data);
        else await revokeRole(ctx, null, account, role.data);
        console.log(`${account}: ${role.data} ${command === 'grant-role' ? 'granted' : 'revoked'}`);
        return 0;
      });
    }
    default:
      console.log(usage);
      return command ? 2 : 0;
  }
}

/** `verify-evidence`: the folder alone, no data folder, no database. */
async function verifyEvidence(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'card-roots': { type: 'string' }, 'temp-ca': { type: 'string' }, tsa: { type: 'string' } },
  });
  if (positionals.length !== 1) return fail('verify-evidence [--card-roots <pem>] [--temp-ca <pem>] [--tsa <pem>] <folder>');
  const result = await verifyEvidenceFolder(positionals[0]!, { cardRoots: values['card-roots'], tempCa: values['temp-ca'], tsa: values.tsa }, new Date());
  for (const line of describeEvidenceVerification(result)) console.log(line);
  return result.checks.length > 0 && result.checks.every((c) => c.outcome.ok) ? 0 : 1;
}

async function withContext(
  config: ReturnType<typeof configFromEnvironment>,
  run: (ctx: Awaited<ReturnType<typeof createContext>>) => Promise<number>,
): Promise<number> {
  const ctx = await createContext(config);
  try {
    return await run(ctx);
  } finally {
    await ctx.storage.close();
  }
}

function printCard(c: CardRecord): void {
  console.log(`${c.state.padEnd(8)} ${c.holder}${c.serialNumber ? ` (${c.serialNumber})` : ''}, issued by ${c.issuer}`);
  console.log(`         valid ${c.notBefore} to ${c.notAfter}; registered ${c.registeredAt}${c.retiredAt ? `; retired ${c.retiredAt}` : ''}`);
  console.log(`         SHA-256 ${c.sha256}`);
}

function printPerson(p: PersonRecord): void {
  const state = p.state === 'separated' ? `separated ${p.separatedAt}` : 'active';
  const cards = `${p.cards} card${p.cards === 1 ? '' : 's'}${p.retiredCards > 0 ? ` (+${p.retiredCards} retired)` : ''}`;
  console.log([p.account, p.name, `${p.unitId} ${p.unit}`, p.title, state, cards, `last login ${p.lastLoginAt ?? 'never'}`].join('\t'));
}

function fail(message: string): number {
  console.error(`usage: ${message}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    // Every failure is a sentence and an exit code (cli-failure.ts); the stack only when asked.
    const failure = describeFailure(error);
    console.error(failure.message);
    if (process.env.GONGWEN_DEBUG === '1' && error instanceof Error) console.error(error.stack);
    process.exitCode = failure.exitCode;
  },
);
