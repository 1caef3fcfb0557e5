import { build } from 'vite';
const [root, outDir] = process.argv.slice(2);
process.env.NODE_ENV = 'production';
await build({ root, mode: 'production', logLevel: 'info', build: { outDir, emptyOutDir: true } });
