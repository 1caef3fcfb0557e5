import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { Profiler } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { findProblems } from '../graph/problems';
import { fakeApi } from '../test-support/fake-api';
import { createEditorStore, type EditorStore } from '../store/editor-store';
import { testCatalog } from '../test-support/node-types';
import { configErrors, DEFAULT_RETRY, NodeSettings } from './node-settings';

const DOCUMENT: GraphDocument = {
  id: 'g1',
  name: 'Settings',
  nodes: [
    { id: 'wait', type: 'core/delay@1', position: { x: 0, y: 0 }, config: {} },
    { id: 'pass', type: 'core/noop@1', position: { x: 300, y: 0 }, config: {} },
    { id: 'gone', type: 'gone/thing@1', position: { x: 600, y: 0 }, config: {} },
  ],
  edges: [],
};

function renderSettings(nodeId: string, onRender: () => void = () => undefined): EditorStore {
  const store = createEditorStore({ nodeTypes: testCatalog() });
  store.getState().load(DOCUMENT, 'g1');
  const problems = findProblems(store.getState().toDocument(), testCatalog()).byNode.get(nodeId) ?? [];
  const { wrapper: Wrapper } = fakeApi({ 'GET /v1/credentials': () => [200, { items: [] }], 'GET /v1/credential-types': () => [200, { items: [] }] });
  render(
    <Wrapper>
      <Profiler id="settings" onRender={onRender}>
        <NodeSettings store={store} nodeId={nodeId} problems={problems} />
      </Profiler>
    </Wrapper>,
  );
  return store;
}

function nodeOf(store: EditorStore, id: string) {
  return store.getState().content.nodes.find((node) => node.id === id);
}

afterEach(cleanup);

describe('node settings', () => {
  it('shows the id and type', () => {
    renderSettings('pass');
    const facts = screen.getByTestId('node-settings').querySelector('dl')?.textContent ?? '';

    expect(facts).toContain('pass');
    expect(facts).toContain('core/noop@1');
    expect(screen.getByText('This node type has no settings.')).toBeTruthy();
  });

  it('label edits reach the store', () => {
    const store = renderSettings('pass');

    fireEvent.change(screen.getByRole('textbox', { name: 'Label' }), { target: { value: 'Forward' } });
    expect(nodeOf(store, 'pass')?.label).toBe('Forward');

    fireEvent.change(screen.getByRole('textbox', { name: 'Label' }), { target: { value: '' } });
    expect(nodeOf(store, 'pass')).not.toHaveProperty('label');
  });

  it('config form shows the problem and saves values', () => {
    const store = renderSettings('wait');
    const form = screen.getByTestId('node-settings').querySelector('.config-form');

    expect(form?.textContent).toContain('is required');
    const input = form?.querySelector<HTMLInputElement>('#root_ms');
    expect(input).toBeTruthy();
    act(() => {
      fireEvent.change(input!, { target: { value: '250' } });
    });

    expect(nodeOf(store, 'wait')?.config).toEqual({ ms: 250 });
  });

  it('unknown type has no form', () => {
    renderSettings('gone');

    expect(screen.getByText('The type is not installed, so its settings cannot be edited.')).toBeTruthy();
    expect(screen.getByTestId('node-settings').querySelector('.config-form')).toBeNull();
  });

  it('retry switch adds and removes the policy', () => {
    const store = renderSettings('pass');

    fireEvent.click(screen.getByRole('checkbox', { name: 'Retry on failure' }));
    expect(nodeOf(store, 'pass')?.retry).toEqual(DEFAULT_RETRY);

    fireEvent.change(screen.getByRole('spinbutton', { name: 'Maximum attempts (the first included)' }), { target: { value: '5' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Backoff' }), { target: { value: 'fixed' } });
    expect(nodeOf(store, 'pass')?.retry).toEqual({ ...DEFAULT_RETRY, maxAttempts: 5, backoff: 'fixed' });

    fireEvent.click(screen.getByRole('checkbox', { name: 'Retry on failure' }));
    expect(nodeOf(store, 'pass')).not.toHaveProperty('retry');
  });

  it('drag of the node skips rendering', () => {
    let commits = 0;
    const store = renderSettings('wait', () => {
      commits += 1;
    });
    const before = commits;

    act(() => store.getState().dragNodes(new Map([['wait', { x: 40, y: 40 }]])));
    act(() => store.getState().endDrag());
    expect(commits).toBe(before);

    act(() => store.getState().updateNode('wait', { label: 'Pause' }));
    expect(commits).toBe(before + 1);
  });

  it('timeout and join settings reach the store', () => {
    const store = renderSettings('pass');

    fireEvent.change(screen.getByRole('spinbutton', { name: 'Timeout (ms); empty for the studio default' }), { target: { value: '1500' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Run when' }), { target: { value: 'any' } });

    expect(nodeOf(store, 'pass')).toMatchObject({ timeoutMs: 1500, join: 'any' });
  });
});

describe('configErrors', () => {
  it('nests config problems by pointer', () => {
    const errors = configErrors([
      { pointer: '/nodes/0/config/ms', nodePointer: '/config/ms', message: 'is required', code: 'GRAPH_CONFIG_INVALID' },
      { pointer: '/nodes/0/config/a~1b/c', nodePointer: '/config/a~1b/c', message: 'must be string', code: 'GRAPH_CONFIG_INVALID' },
      { pointer: '/nodes/0/timeoutMs', nodePointer: '/timeoutMs', message: 'must be integer', code: 'GRAPH_SCHEMA' },
    ]);

    expect(errors).toEqual({ ms: { __errors: ['is required'] }, 'a/b': { c: { __errors: ['must be string'] } } });
  });
});
