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
    rolldownOptions: {
      output: {
        // Libraries get chunks of their own, so an app release leaves them cached in browsers.
        // The editor screen and the settings form load them on first use.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 3 },
            // Scripts only: React Flow's style sheet stays with the app's, which the entry loads.
            { name: 'flow', test: /node_modules[\\/](@xyflow|d3-[a-z-]+|classcat)[\\/].*\.[cm]?js$/, priority: 3 },
            // The settings form's components; the editor itself needs only the schema helpers below.
            { name: 'form', test: /node_modules[\\/](@rjsf[\\/]core|markdown-to-jsx)[\\/]/, priority: 2 },
            { name: 'json-schema', test: /node_modules[\\/](@rjsf|ajv[a-z-]*|fast-uri|fast-deep-equal|json-schema-traverse|lodash[a-z-]*|jsonpointer|react-is)[\\/]/, priority: 1 },
          ],
        },
      },
    },
  },
});
