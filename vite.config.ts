import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer: built into out/renderer, loaded by the shell from app://gongwen/.
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../out/renderer', emptyOutDir: true, chunkSizeWarningLimit: 4000, sourcemap: false },
});
