import { describe, expect, it } from 'vitest';
import { runIdOfSearch } from '../router';
import { MAX_PREVIEW_BYTES, previewKindOf } from './artifacts';

describe('artifact previews', () => {
  it('picks a player by content type', () => {
    const cases: [string, string | null][] = [
      ['image/png', 'image'],
      ['IMAGE/JPEG', 'image'],
      ['audio/mpeg', 'audio'],
      ['audio/wav', 'audio'],
      ['video/mp4', 'video'],
      ['text/plain; charset=utf-8', 'text'],
      ['application/json', 'text'],
      ['image/svg+xml', 'text'],
      ['application/pdf', null],
      ['application/octet-stream', null],
    ];
    for (const [contentType, kind] of cases) {
      expect(previewKindOf({ contentType, size: 10 }), contentType).toBe(kind);
    }
  });

  it('offers large files as downloads', () => {
    expect(previewKindOf({ contentType: 'video/mp4', size: MAX_PREVIEW_BYTES })).toBe('video');
    expect(previewKindOf({ contentType: 'video/mp4', size: MAX_PREVIEW_BYTES + 1 })).toBeNull();
  });
});

describe('run deep link', () => {
  it('reads the run id', () => {
    expect(runIdOfSearch('?run=run_abc-1')).toBe('run_abc-1');
    expect(runIdOfSearch('?x=1&run=run_2')).toBe('run_2');
  });

  it('ignores missing and malformed ids', () => {
    expect(runIdOfSearch('')).toBeNull();
    expect(runIdOfSearch('?run=')).toBeNull();
    expect(runIdOfSearch('?run=../secrets')).toBeNull();
    expect(runIdOfSearch(`?run=${'a'.repeat(65)}`)).toBeNull();
  });
});
