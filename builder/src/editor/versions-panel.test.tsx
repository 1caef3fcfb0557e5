import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { VersionSummary } from '../api/history-api';
import { fakeApi } from '../test-support/fake-api';
import { VersionsPanel } from './versions-panel';

const PUBLISHED_AT = '2026-12-04T10:00:00.000Z';

function version(number: number, fields: Partial<VersionSummary>): VersionSummary {
  return { version: number, state: 'draft', createdAt: PUBLISHED_AT, updatedAt: PUBLISHED_AT, publishedAt: null, publishedBy: null, frozenAt: null, ...fields };
}

afterEach(() => cleanup());

describe('versions panel', () => {
  it('names who published each version', () => {
    const { api, wrapper } = fakeApi({});
    const versions = [
      version(3, {}),
      version(2, { state: 'published', publishedAt: PUBLISHED_AT, frozenAt: PUBLISHED_AT, publishedBy: { id: 'usr_1', email: 'ana@example.com' } }),
      version(1, { publishedAt: PUBLISHED_AT, frozenAt: PUBLISHED_AT, publishedBy: { id: 'usr_gone', email: null } }),
      version(0, { publishedAt: PUBLISHED_AT, frozenAt: PUBLISHED_AT }),
    ];
    render(
      <VersionsPanel api={api} graphId="graph_1" versions={versions} publishedVersion={2} onRestore={() => {}} onPublish={async () => {}} onClose={() => {}} />,
      { wrapper },
    );

    const item = (number: number) => document.querySelector(`[data-version="${number}"]`)?.textContent ?? '';
    expect(screen.getByTestId('versions-panel')).toBeTruthy();
    expect(item(3)).toContain('saved');
    expect(item(2)).toContain('by ana@example.com');
    expect(item(1)).toContain('by usr_gone');
    expect(item(0)).toContain('published');
    expect(item(0)).not.toContain(' by ');
  });
});
