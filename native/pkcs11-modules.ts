/**
 * PKCS#11 modules the app knows, per OS, in the order they are tried when Settings names none.
 * The government cards (GCA / MOICA) use Chunghwa Telecom's HiCOS module; OpenSC covers many
 * other cards; SoftHSM is the virtual card of the demo and the tests.
 */
export interface Pkcs11ModuleEntry {
  name: string;
  paths: Partial<Record<NodeJS.Platform, string[]>>;
  /**
   * SoftHSM reads its token folder only in C_Initialize and does not support
   * C_WaitForSlotEvent: to see a token appear, the module is initialised again while idle.
   */
  rescanByReinitialize?: boolean;
}

export const pkcs11Modules: Pkcs11ModuleEntry[] = [
  {
    name: 'HiCOS (中華電信 HiCOS PKI Smart Card)',
    paths: {
      // System32 first (where HiCOS installs it); the spelling with an underscore and the older
      // _219 file are seen on agencies' PCs; then the HiCOS install folder.
      win32: [
        'C:\\Windows\\System32\\HiCOSPKCS11.dll',
        'C:\\Windows\\System32\\HiCOS_PKCS11.dll',
        'C:\\Windows\\System32\\HiCOSPKCS11_219.dll',
        'C:\\Program Files (x86)\\Chunghwa Telecom\\HiCOS PKI Smart Card\\HiCOSPKCS11.dll',
        'C:\\Program Files\\Chunghwa Telecom\\HiCOS PKI Smart Card\\HiCOSPKCS11.dll',
        'C:\\Windows\\SysWOW64\\HiCOSPKCS11.dll',
      ],
      darwin: ['/usr/local/lib/libHicos_p11v1.dylib', '/Library/HiCOS/libHicos_p11v1.dylib'],
      linux: ['/usr/lib/libHicos_p11v1.so', '/usr/local/lib/libHicos_p11v1.so'],
    },
  },
  {
    name: 'OpenSC',
    paths: {
      win32: ['C:\\Windows\\System32\\opensc-pkcs11.dll', 'C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll'],
      darwin: ['/Library/OpenSC/lib/opensc-pkcs11.so', '/opt/homebrew/lib/opensc-pkcs11.so', '/usr/local/lib/opensc-pkcs11.so'],
      linux: [
        '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
        '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so',
        '/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so',
        '/usr/lib64/opensc-pkcs11.so',
        '/usr/lib/opensc-pkcs11.so',
      ],
    },
  },
  {
    name: 'SoftHSM 2 (virtual card)',
    paths: {
      darwin: ['/opt/homebrew/lib/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so'],
      linux: [
        '/usr/lib/softhsm/libsofthsm2.so',
        '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
        '/usr/lib64/pkcs11/libsofthsm2.so',
        '/usr/local/lib/softhsm/libsofthsm2.so',
      ],
    },
    rescanByReinitialize: true,
  },
];

/** The entry a module path belongs to, by file name (so a relocated HiCOS is still HiCOS). */
export function moduleEntryFor(path: string): Pkcs11ModuleEntry | undefined {
  const file = path.split(/[\\/]/).pop()?.toLowerCase();
  return pkcs11Modules.find((m) => Object.values(m.paths).some((list) => list?.some((p) => p.split(/[\\/]/).pop()?.toLowerCase() === file)));
}

/** The token label HiCOS cards carry, and the CKA_ID/CKA_LABEL of their signing key pair. */
export const HICOS_TOKEN_LABEL = 'HiCOS PKI Smart Card';
export const SIGNING_KEY_LABEL = 'SIGN';
