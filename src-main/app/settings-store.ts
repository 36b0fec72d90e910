import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesktopSettings } from '../../src-shared/common/ipc/outputs.js';
import { GongwenError } from '../../src-shared/common/errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { checkServiceUrl } from '../service-client/service-url.js';
import { readAgencyCa, type ServiceTrust } from '../service-client/service-trust.js';
import { checkModulePath, isModuleAllowed } from './module-policy.js';

/** Where an administrator may put a configuration file that fixes the service URL for every clerk. */
export function adminConfigPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (env.GONGWEN_CONFIG) return env.GONGWEN_CONFIG;
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'GongwenDesk', 'config.json');
  if (platform === 'darwin') return '/Library/Application Support/GongwenDesk/config.json';
  return '/etc/gongwendesk/config.json';
}

interface StoredSettings {
  serviceUrl?: string;
  modulePath?: string;
  language?: 'zh-TW' | 'en';
  /** The card the clerk chose among those present (token serial); see CardStatus's `choose` state. */
  cardSerial?: string;
  /** The agency CA's PEM file, trusted for the service's HTTPS beside the OS store. */
  agencyCaPath?: string;
}

/** A token serial as PKCS#11 gives it (CK_TOKEN_INFO.serialNumber: 16 printable characters, padded). */
export const CARD_SERIAL = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;

/** The administrator's file may also fix the module, and list modules beyond the known table. */
interface AdminSettings extends StoredSettings {
  allowedModulePaths?: string[];
}

/**
 * The clerk's settings (service URL, PKCS#11 module, language) in the data folder, under an
 * administrator's configuration file that, when present, fixes the service URL and the module
 * (the administrator's word wins). A module must be one of the known table or of the
 * administrator's `allowedModulePaths`, whether it comes from the page or from settings.json.
 */
export class SettingsStore {
  private constructor(
    private readonly path: string,
    private own: StoredSettings,
    private readonly admin: AdminSettings,
    private readonly fallbackServiceUrl: string,
  ) {}

  static async open(dataDir: string, options: { adminConfig?: string; defaultServiceUrl?: string } = {}): Promise<SettingsStore> {
    const read = async (path: string): Promise<AdminSettings> => {
      try {
        const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
        return value && typeof value === 'object' ? (value as AdminSettings) : {};
      } catch {
        return {};
      }
    };
    const path = join(dataDir, 'settings.json');
    return new SettingsStore(path, await read(path), await read(options.adminConfig ?? adminConfigPath()), options.defaultServiceUrl ?? '');
  }

  get(): DesktopSettings {
    return {
      serviceUrl: this.admin.serviceUrl ?? this.own.serviceUrl ?? this.fallbackServiceUrl,
      modulePath: this.admin.modulePath ?? this.ownModulePath() ?? '',
      language: this.own.language ?? this.admin.language ?? 'zh-TW',
      serviceUrlLocked: this.admin.serviceUrl !== undefined,
      ...(this.ownCardSerial() ? { cardSerial: this.ownCardSerial() } : {}),
      agencyCaPath: text(this.admin.agencyCaPath) ?? text(this.own.agencyCaPath) ?? '',
      agencyCaLocked: this.admin.agencyCaPath !== undefined,
    };
  }

  /**
   * What the service client trusts now: the OS store, plus the agency CA as its file reads today
   * (checked again: a file replaced since it was chosen is refused, never trusted unchecked).
   */
  async serviceTrust(): Promise<ServiceTrust> {
    const path = this.get().agencyCaPath;
    return path ? { agencyCaPem: await readAgencyCa(path) } : {};
  }

  /** settings.json may have been written by anyone: a serial that is not one is no choice. */
  private ownCardSerial(): string | undefined {
    const serial = this.own.cardSerial;
    return typeof serial === 'string' && CARD_SERIAL.test(serial) ? serial : undefined;
  }

  private adminAllowed(): string[] {
    const list = this.admin.allowedModulePaths;
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
  }

  /** The clerk's module, if it is one that may be loaded (settings.json may have been written by anyone). */
  private ownModulePath(): string | undefined {
    const path = this.own.modulePath;
    return typeof path === 'string' && isModuleAllowed(path, this.adminAllowed()) ? path : undefined;
  }

  async set(change: StoredSettings): Promise<DesktopSettings> {
    if (change.serviceUrl !== undefined && !this.get().serviceUrlLocked) checkServiceUrl(change.serviceUrl);
    if (change.modulePath !== undefined && this.admin.modulePath === undefined) {
      checkModulePath(change.modulePath, this.adminAllowed());
      if (change.modulePath !== '' && !isFile(change.modulePath)) throw new GongwenError('CARD_MODULE_MISSING', 'no file at that path');
    }
    if (change.cardSerial !== undefined && change.cardSerial !== '' && !CARD_SERIAL.test(change.cardSerial))
      throw new GongwenError('VALIDATION_FAILED', 'not a card serial');
    if (change.agencyCaPath !== undefined && change.agencyCaPath !== '' && !this.get().agencyCaLocked) await readAgencyCa(change.agencyCaPath);
    const next = { ...this.own, ...change };
    if (next.cardSerial === '') delete next.cardSerial; // '' forgets the choice
    if (next.agencyCaPath === '' || this.get().agencyCaLocked) delete next.agencyCaPath;
    if (this.get().serviceUrlLocked) delete next.serviceUrl;
    if (this.admin.modulePath !== undefined) delete next.modulePath;
    await writeFileAtomic(this.path, JSON.stringify(next, null, 2));
    this.own = next;
    return this.get();
  }
}

/** A string a settings file holds, if it holds one (either file may have been written by anyone). */
function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
