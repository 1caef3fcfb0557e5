/**
 * The background half of key rotation: after `ENCRYPTION_KEY` changes, every credential sealed
 * with a retired key is re-encrypted under the new one, a batch at a time. Reads re-encrypt
 * lazily as well (see `CredentialStore.open`), so this pass only finishes the job for
 * credentials that no task or route reads.
 */
import type { Logger } from 'pino';
import type { CredentialStore } from './credential-store.js';

/** Records re-encrypted per storage query. */
export const ROTATION_BATCH_SIZE = 100;

/** Counts of one pass. */
export interface RotationResult {
  reencrypted: number;
  /** Records no configured key opens; they stay as they are and are logged. */
  failed: number;
}

/**
 * Re-encrypts every credential not sealed with the current key, until none is left or
 * `signal` aborts. Each record is tried once per pass, so records that fail do not loop.
 */
export async function reencryptStaleCredentials(
  store: CredentialStore,
  log: Logger,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<RotationResult> {
  const batchSize = options.batchSize ?? ROTATION_BATCH_SIZE;
  const tried = new Set<string>();
  const result: RotationResult = { reencrypted: 0, failed: 0 };

  for (;;) {
    if (options.signal?.aborted) break;
    // Records tried already (failed ones, or ones that changed meanwhile) may come first, so
    // the query requests enough to reach a full batch of untried ones.
    const requested = tried.size + batchSize;
    const page = await store.listStale(requested);
    const fresh = page.filter((record) => !tried.has(record.id));
    if (fresh.length === 0) break;
    for (const record of fresh) {
      if (options.signal?.aborted) break;
      tried.add(record.id);
      const outcome = await store.reencrypt(record);
      if (outcome === 'reencrypted') result.reencrypted += 1;
      else if (outcome === 'failed') result.failed += 1;
    }
    if (page.length < requested) break;
  }

  if (result.reencrypted > 0 || result.failed > 0) {
    log.info({ ...result, keyId: store.currentKeyId }, 'credential re-encryption pass finished');
  }
  return result;
}
