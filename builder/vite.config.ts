import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Target of the API requests of `npm run dev`; the runtime listens on 127.0.0.1:8000 by default. */
const apiTarget = process.env.GESTORLEAD_API_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/v1': { target: apiTarget, ws: true },
      '/hooks': apiTarget,
      '/health': apiTarget,
      '/docs': apiTarget,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
