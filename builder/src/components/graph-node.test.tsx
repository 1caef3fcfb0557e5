import type { GraphNode } from '@gestorlead/sdk-plugin';
import { act, cleanup, render, screen } from '@testing-library/react';
import { ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { I18nProvider } from '../i18n/i18n';
import { applyRunEvent, NODE_RUN_STATUSES, newRunView } from '../store/run-state';
import { createRunStore, RunStoreContext, type RunStore } from '../store/run-store';
import { DELAY_TYPE } from '../test-support/node-types';
import { NODE_COMPONENTS, type CanvasNode, type GraphNodeData } from './graph-node';

function renderNode(node: GraphNode, data: Partial<GraphNodeData> = {}, runStore: RunStore | null = null) {
  const canvasNode: CanvasNode = {
    id: node.id,
    type: 'graph',
    position: node.position,
    data: { node, descriptor: DELAY_TYPE, inputs: ['in'], outputs: ['out'], problems: [], ...data },
  };
  render(
    <I18nProvider initial="en">
      <ReactFlowProvider>
        <RunStoreContext.Provider value={runStore}>
          <div style={{ width: 800, height: 600 }}>
            <ReactFlow nodes={[canvasNode]} edges={[]} nodeTypes={NODE_COMPONENTS} />
          </div>
        </RunStoreContext.Provider>
      </ReactFlowProvider>
    </I18nProvider>,
  );
  return screen.getByTestId(`node-${node.id}`);
}

const NODE: GraphNode = { id: 'wait', type: 'core/delay@1', position: { x: 0, y: 0 }, config: { ms: 10 } };

afterEach(cleanup);

describe('graph node', () => {
  it('shows the type name, id and ports', () => {
    const box = renderNode(NODE);

    expect(box.querySelector('.graph-node__title')?.textContent).toBe('Delay');
    expect(box.querySelector('code')?.textContent).toBe('wait');
    const ports = [...box.querySelectorAll('[data-port]')].map((port) => port.getAttribute('data-port'));
    expect(ports).toEqual(['in', 'out', 'error']);
    expect([...box.querySelectorAll('.port__label')].map((label) => label.textContent)).toEqual(['Input', 'Output', 'error']);
  });

  it('prefers the node label', () => {
    const box = renderNode({ ...NODE, label: 'Cool down' });

    expect(box.querySelector('.graph-node__title')?.textContent).toBe('Cool down');
  });

  it('marks an unknown type', () => {
    const box = renderNode({ ...NODE, type: 'gone/thing@1' }, { descriptor: undefined, inputs: [], outputs: [] });

    expect(box.classList.contains('graph-node--unknown')).toBe(true);
    expect(box.querySelector('.graph-node__title')?.textContent).toBe('Unknown node type');
    expect(box.textContent).toContain('No installed plugin provides “gone/thing@1”');
  });

  it('shows the problem count and messages', () => {
    const box = renderNode(NODE, { problems: ['is required', 'must be integer'] });

    expect(box.getAttribute('data-problems')).toBe('2');
    expect(box.classList.contains('graph-node--problem')).toBe(true);
    expect(box.getAttribute('title')).toBe('is required\nmust be integer');
    // React Flow hides nodes until it measures them, which happy-dom never does, so role queries skip them.
    expect(box.querySelector('[role="note"]')?.textContent).toContain('2 problem(s)');
  });

  it('shows no status outside a run', () => {
    const box = renderNode(NODE);

    expect(box.getAttribute('data-status')).toBe('');
    expect(screen.getByTestId('node-status').getAttribute('aria-label')).toBeNull();
    expect(screen.getByTestId('node-status').getAttribute('aria-hidden')).toBe('true');
  });

  it('follows its status in the run store', () => {
    const runStore = createRunStore();
    const box = renderNode(NODE, {}, runStore);

    act(() => runStore.setState({ view: { ...newRunView('r1'), status: 'running' } }));
    expect(box.getAttribute('data-status')).toBe('queued');

    act(() => {
      const event = { runId: 'r1', seq: 1, type: 'task.failed', at: '', taskId: 't1', nodeId: 'wait', data: {} };
      runStore.setState({ view: applyRunEvent(runStore.getState().view!, event) });
    });
    expect(box.getAttribute('data-status')).toBe('failed');
    expect(box.classList.contains('graph-node--failed')).toBe(true);
    expect(screen.getByTestId('node-status').getAttribute('aria-label')).toBe('failed');
    expect(screen.getByTestId('node-status').getAttribute('role')).toBe('img');
  });
});

/** CSS properties that repaint a node without changing its size or text flow. */
const PAINT_ONLY_PROPERTIES = new Set(['background', 'background-color', 'border-color', 'color', 'outline-color']);

describe('status styles', () => {
  // Vitest does not load CSS into modules, so the test reads the file. Its root is the repository.
  const styles = readFileSync(path.resolve('builder/src/styles.css'), 'utf8');
  const rules = [...styles.matchAll(/([^{}]+)\{([^{}]*)\}/g)].map(([, selector, body]) => ({ selector, body }));

  it.each(NODE_RUN_STATUSES)('%s sets only paint properties', (status) => {
    const statusRules = rules.filter(({ selector }) => selector.includes(`.graph-node--${status}`));

    expect(statusRules.length).toBeGreaterThan(0);
    for (const { selector, body } of statusRules) {
      const properties = body.split(';').map((declaration) => declaration.split(':')[0].trim()).filter(Boolean);
      for (const property of properties) expect(PAINT_ONLY_PROPERTIES.has(property), `${property} in ${selector.trim()}`).toBe(true);
    }
  });
});
