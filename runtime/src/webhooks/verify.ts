import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookSettings } from '@gestorlead/sdk-plugin';
import { StudioError } from '../errors.js';

/** Header names used when a graph's webhook settings name none. */
export const DEFAULT_TOKEN_HEADER = 'x-webhook-token';
export const DEFAULT_SIGNATURE_HEADER = 'x-signature';
export const DEFAULT_TIMESTAMP_HEADER = 'x-timestamp';
export const DEFAULT_TOLERANCE_SECONDS = 300;

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Computes the signature a sender puts in the signature header: `sha256=<hex>`. */
export function signWebhook(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

/**
 * Remembers signatures seen within the timestamp window, so a captured request replayed
 * inside the window is rejected too. Entries expire with the window; memory is bounded.
 */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #limit: number;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  /** Returns false when `key` was already seen and has not expired. */
  remember(key: string, expiresAtMs: number, nowMs: number): boolean {
    const expiry = this.#seen.get(key);
    if (expiry !== undefined && expiry > nowMs) return false;
    if (this.#seen.size >= this.#limit) this.#evict(nowMs);
    this.#seen.set(key, expiresAtMs);
    return true;
  }

  #evict(nowMs: number): void {
    for (const [key, expiry] of this.#seen) {
      if (expiry <= nowMs) this.#seen.delete(key);
    }
    while (this.#seen.size >= this.#limit) this.#seen.delete(this.#seen.keys().next().value!);
  }
}

/**
 * Checks a delivery against the graph's webhook settings: the header token, then the HMAC
 * signature over `<timestamp>.<raw body>` within a timestamp window. Throws a 401 `StudioError`
 * naming the header at fault. For a signed delivery it returns the replay key that the caller
 * passes to `rejectReplay` once it has checked that the delivery is not a duplicate of a stored one.
 */
export function verifyDelivery(
  settings: WebhookSettings | undefined,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  graphId: string,
  nowMs: number = Date.now(),
): ReplayKey | null {
  if (settings?.token) {
    const name = (settings.token.header ?? DEFAULT_TOKEN_HEADER).toLowerCase();
    const received = headerValue(headers, name);
    if (received === undefined || !safeEqual(received, settings.token.value)) {
      throw new StudioError('WEBHOOK_TOKEN_INVALID', `header "${name}" is missing or does not match the webhook token`, {
        problems: [{ pointer: `/headers/${name}`, message: received === undefined ? 'is required' : 'does not match' }],
      });
    }
  }
  if (!settings?.hmac) return null;

  const hmac = settings.hmac;
  const signatureHeader = (hmac.header ?? DEFAULT_SIGNATURE_HEADER).toLowerCase();
  const timestampHeader = (hmac.timestampHeader ?? DEFAULT_TIMESTAMP_HEADER).toLowerCase();
  const toleranceSeconds = hmac.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const timestamp = headerValue(headers, timestampHeader);
  const seconds = timestamp !== undefined && /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (Number.isNaN(seconds)) {
    throw new StudioError('WEBHOOK_TIMESTAMP_STALE', `header "${timestampHeader}" must hold the send time in Unix seconds`, {
      problems: [{ pointer: `/headers/${timestampHeader}`, message: 'must be Unix seconds' }],
    });
  }
  if (Math.abs(nowMs / 1000 - seconds) > toleranceSeconds) {
    throw new StudioError(
      'WEBHOOK_TIMESTAMP_STALE',
      `header "${timestampHeader}" is more than ${toleranceSeconds} s away from the server clock`,
      { problems: [{ pointer: `/headers/${timestampHeader}`, message: `must be within ${toleranceSeconds} s of now` }] },
    );
  }
  const received = headerValue(headers, signatureHeader);
  const expected = signWebhook(hmac.secret, timestamp!, rawBody);
  const normalised = received?.startsWith('sha256=') ? received : `sha256=${received ?? ''}`;
  if (received === undefined || !safeEqual(normalised, expected)) {
    throw new StudioError('WEBHOOK_SIGNATURE_INVALID', `header "${signatureHeader}" does not match the body's HMAC-SHA256`, {
      problems: [{ pointer: `/headers/${signatureHeader}`, message: received === undefined ? 'is required' : 'does not match' }],
    });
  }
  return { key: `${graphId}:${normalised}`, expiresAtMs: (seconds + toleranceSeconds) * 1000, header: signatureHeader };
}

/** Identifies one signed delivery for replay rejection, until its timestamp window ends. */
export interface ReplayKey {
  key: string;
  expiresAtMs: number;
  header: string;
}

/** Throws 409 `WEBHOOK_REPLAYED` when the same signed delivery was already accepted. */
export function rejectReplay(replays: ReplayGuard, replay: ReplayKey, nowMs: number = Date.now()): void {
  if (replays.remember(replay.key, replay.expiresAtMs, nowMs)) return;
  throw new StudioError('WEBHOOK_REPLAYED', 'this signed delivery was already received', {
    problems: [{ pointer: `/headers/${replay.header}`, message: 'was already used' }],
  });
}
