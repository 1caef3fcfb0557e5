/**
 * Imports every module `runtime/src/main.ts` imports, then exits. The start-up benchmark times
 * it to separate module loading (with tsx compiling TypeScript) from building and starting the
 * studio.
 */
import '@gestorlead/storage';
import '../../runtime/src/app.js';
import '../../runtime/src/config.js';
import '../../runtime/src/logger.js';
import '../../runtime/src/seed-examples.js';
