/**
 * Preloaded into the runtime of the billing spec (NODE_OPTIONS=--import=…): resolves
 * api-sandbox.asaas.com to 127.0.0.1, where the spec's Asaas stand-in listens, and fails every
 * other name except localhost, so the runtime under test reaches no host off this machine.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
const dnsPromises = require('node:dns/promises');
const LOOPBACK = { address: '127.0.0.1', family: 4 };
const LOOPBACK_NAMES = new Set(['api-sandbox.asaas.com', 'localhost']);

dnsPromises.lookup = async (hostname, options) => {
  if (!LOOPBACK_NAMES.has(hostname)) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  const all = typeof options === 'object' && options !== null && options.all === true;
  return all ? [LOOPBACK] : LOOPBACK;
};
// Modules that import { lookup } from 'node:dns/promises' later see the replacement.
syncBuiltinESMExports();
