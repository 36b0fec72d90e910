import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The admin console: built into out/admin, served by the service at /admin (src-server/http/admin-console.ts).
 * `cspNonce` puts a placeholder nonce on every script, style and link tag and in a
 * `<meta property="csp-nonce">`; the service swaps it for a fresh nonce per answer, which
 * Ant Design's CSS-in-JS then puts on the style tags it writes (no 'unsafe-inline').
 */
export const ADMIN_NONCE_PLACEHOLDER = 'GONGWEN_CSP_NONCE';

export default defineConfig({
  root: 'src-admin',
  base: '/admin/',
  plugins: [react()],
  html: { cspNonce: ADMIN_NONCE_PLACEHOLDER },
  build: { outDir: '../out/admin', emptyOutDir: true, chunkSizeWarningLimit: 4000, sourcemap: false },
});
