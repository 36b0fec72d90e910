import './zod-jitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { initI18n } from './i18n';

/**
 * The nonce the service put in this answer's CSP (vite.admin.config.ts, `cspNonce`): Ant Design
 * writes its styles into <style> tags at run time, and the CSP lets through only those carrying it.
 * A browser hides the attribute's value from getAttribute once the CSP applies; `.nonce` still has it.
 */
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';

initI18n(navigator.language.toLowerCase().startsWith('en') ? 'en' : 'zh-TW');
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App nonce={nonce} />
  </StrictMode>,
);
