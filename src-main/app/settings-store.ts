import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesktopSettings } from '../../src-shared/ipc/outputs.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { checkServiceUrl } from '../service-client/service-url.js';

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
}

/**
 * The clerk's settings (service URL, PKCS#11 module, language) in the data folder, under an
 * administrator's configuration file that, when present, fixes the service URL.
 */
export class SettingsStore {
  private constructor(
    private readonly path: string,
    private own: StoredSettings,
    private readonly admin: StoredSettings,
    private readonly fallbackServiceUrl: string,
  ) {}

  static async open(dataDir: string, options: { adminConfig?: string; defaultServiceUrl?: string } = {}): Promise<SettingsStore> {
    const read = async (path: string): Promise<StoredSettings> => {
      try {
        const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
        return value && typeof value === 'object' ? (value as StoredSettings) : {};
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
      modulePath: this.own.modulePath ?? this.admin.modulePath ?? '',
      language: this.own.language ?? this.admin.language ?? 'zh-TW',
      serviceUrlLocked: this.admin.serviceUrl !== undefined,
    };
  }

  async set(change: StoredSettings): Promise<DesktopSettings> {
    if (change.serviceUrl !== undefined && !this.get().serviceUrlLocked) checkServiceUrl(change.serviceUrl);
    const next = { ...this.own, ...change };
    if (this.get().serviceUrlLocked) delete next.serviceUrl;
    await writeFileAtomic(this.path, JSON.stringify(next, null, 2));
    this.own = next;
    return this.get();
  }
}
