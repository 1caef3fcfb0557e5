/** HTTP header values of artifact downloads: byte ranges and content disposition. */
import type { ByteRange } from '@gestorlead/storage';

/** The part of the content a `Range` header requests, for content of a known size. */
export type RangeRequest =
  | { kind: 'full' }
  | { kind: 'partial'; range: ByteRange }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Reads a `Range` header (RFC 9110, section 14) against content of `size` bytes. Only one
 * range is served: a header with several ranges, another unit or bad syntax is ignored, and the
 * whole content is sent, which the RFC allows.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (match === null) return { kind: 'full' };
  const [, first, last] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    // A suffix range: the last `last` bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || (last !== '' && Number(last) < start)) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end } };
}

/** Replaces what may not appear in a quoted ASCII file name. */
function asciiFallback(name: string): string {
  return name.replace(/[^\x20-\x7e]/gu, '_').replace(/["\\]/g, '_');
}

/**
 * Builds a `Content-Disposition` value with the file name as ASCII and, when it has other
 * characters, as UTF-8 in `filename*` (RFC 6266 and RFC 8187).
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = asciiFallback(name);
  if (fallback === name) return `${kind}; filename="${name}"`;
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
