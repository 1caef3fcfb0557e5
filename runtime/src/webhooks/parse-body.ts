import { StudioError } from '../errors.js';
import { exceedsDepth, MAX_JSON_DEPTH } from '../json-depth.js';

/** A delivery's body as the run receives it, and as storage stores it. */
export interface ParsedBody {
  /** JSON value, form fields, text, or `{ base64, contentType }` for other types. */
  value: unknown;
  stored: string;
  encoding: 'utf8' | 'base64';
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function isTextual(type: string): boolean {
  return (
    type.startsWith('text/') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript'
  );
}

/** Parses the raw body by content type: JSON and forms parsed, text kept, the rest base64. */
export function parseWebhookBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  const type = mediaType(contentType);
  if (raw.length === 0) return { value: null, stored: '', encoding: 'utf8' };

  if (type === 'application/json' || type.endsWith('+json')) {
    const text = raw.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new StudioError('WEBHOOK_BODY_INVALID', `body is not valid JSON: ${(error as Error).message}`, {
        problems: [{ pointer: '/body', message: 'is not valid JSON' }],
      });
    }
    if (exceedsDepth(value)) {
      throw new StudioError('WEBHOOK_BODY_INVALID', `body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, {
        problems: [{ pointer: '/body', message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` }],
      });
    }
    return { value, stored: text, encoding: 'utf8' };
  }
  if (type === 'application/x-www-form-urlencoded') {
    const text = raw.toString('utf8');
    // Field names come from the sender, so a null prototype keeps `__proto__` an ordinary key.
    const fields: Record<string, string | string[]> = Object.create(null);
    for (const [key, value] of new URLSearchParams(text)) {
      const existing = fields[key];
      if (existing === undefined) fields[key] = value;
      else fields[key] = ([] as string[]).concat(existing, value);
    }
    return { value: fields, stored: text, encoding: 'utf8' };
  }
  if (isTextual(type)) {
    const text = raw.toString('utf8');
    return { value: text, stored: text, encoding: 'utf8' };
  }
  const base64 = raw.toString('base64');
  return { value: { base64, contentType: type || null, size: raw.length }, stored: base64, encoding: 'base64' };
}
