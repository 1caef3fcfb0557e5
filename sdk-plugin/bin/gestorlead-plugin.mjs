#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's tsImport API, which compiles the imported modules
// on the fly without changing how the rest of the process loads modules.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../src/cli/main.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
