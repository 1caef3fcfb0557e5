#!/usr/bin/env node
// Health check of the container image: GET /health on the port this process role serves.
// The api and all roles serve it on PORT; worker and scheduler on METRICS_PORT, when set.
// Exits 0 when the reply is 200, 1 otherwise.
const role = process.env.ROLE ?? 'all';
const servesApi = role === 'all' || role === 'api';
const port = servesApi ? (process.env.PORT ?? '8000') : (process.env.METRICS_PORT ?? '0');
if (port === '0') {
  console.error(`ROLE=${role} serves no health endpoint because METRICS_PORT is 0`);
  process.exit(1);
}
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) });
  if (response.status !== 200) {
    console.error(`GET /health on port ${port} replied ${response.status}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`GET /health on port ${port} failed: ${error.message}`);
  process.exit(1);
}
