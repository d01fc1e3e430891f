// Served by migration-managerd under /ui/ (same origin as the API: no CORS, the browser's client
// certificate covers both).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/ui/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
});
