import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { I18nProvider } from '../i18n/i18n';
import { testCatalog } from '../test-support/node-types';
import { NODE_TYPE_MIME, Palette } from './palette';

function renderPalette() {
  const added: string[] = [];
  render(
    <I18nProvider initial="en">
      <Palette catalog={testCatalog()} onAdd={(type) => added.push(type)} />
    </I18nProvider>,
  );
  return { added, search: screen.getByRole('searchbox', { name: 'Search nodes' }) };
}

function optionNames(): string[] {
  return screen.getAllByRole('option').map((option) => option.getAttribute('data-node-type') ?? '');
}

afterEach(cleanup);

describe('palette', () => {
  it('lists every type grouped by plugin', () => {
    renderPalette();

    expect(optionNames().sort()).toEqual(['core/delay@1', 'core/noop@1', 'math/count@1', 'text/shout@1']);
    expect(screen.getByRole('group', { name: 'Core' })).toBeTruthy();
  });

  it('search narrows the list', () => {
    const { search } = renderPalette();

    fireEvent.change(search, { target: { value: 'delay' } });

    expect(optionNames()).toEqual(['core/delay@1']);
  });

  it('search without matches says so', () => {
    const { search } = renderPalette();

    fireEvent.change(search, { target: { value: 'no such node' } });

    expect(screen.queryAllByRole('option')).toEqual([]);
    expect(screen.getByText('No node type matches.')).toBeTruthy();
  });

  it('arrow keys and Enter add the active type', () => {
    const { search, added } = renderPalette();
    const first = optionNames()[0];
    const second = optionNames()[1];

    fireEvent.keyDown(search, { key: 'ArrowDown' });
    expect(search.getAttribute('aria-activedescendant')).toBe(screen.getAllByRole('option')[1]?.id);
    fireEvent.keyDown(search, { key: 'Enter' });
    fireEvent.keyDown(search, { key: 'ArrowUp' });
    fireEvent.keyDown(search, { key: 'ArrowUp' });
    fireEvent.keyDown(search, { key: 'Enter' });

    expect(added).toEqual([second, first]);
  });

  it('click adds the type', () => {
    const { added } = renderPalette();

    fireEvent.click(screen.getByRole('option', { name: /Delay/ }));

    expect(added).toEqual(['core/delay@1']);
  });

  it('drag carries the node type', () => {
    renderPalette();
    const data = new Map<string, string>();
    const dataTransfer = { setData: (type: string, value: string) => data.set(type, value) };

    fireEvent.dragStart(screen.getByRole('option', { name: /Count/ }), { dataTransfer });

    expect(data.get(NODE_TYPE_MIME)).toBe('math/count@1');
  });
});
