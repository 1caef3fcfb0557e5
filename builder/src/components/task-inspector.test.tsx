import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../api/client';
import { SessionStore } from '../api/session';
import { StudioApi } from '../api/studio-api';
import type { RunEvent, TaskDetail } from '../api/types';
import { ApiContext } from '../api-context';
import { I18nProvider } from '../i18n/i18n';
import { applyRunEvent, newRunView } from '../store/run-state';
import { createRunStore, type RunStore } from '../store/run-store';
import { formatDuration, TaskInspector } from './task-inspector';

const TASK: TaskDetail = {
  id: 't1',
  runId: 'r1',
  nodeId: 'fetch',
  nodeType: 'core/http@1',
  status: 'FAILED',
  attempts: 2,
  input: { in: { id: 7 } },
  output: null,
  error: { code: 'CORE_HTTP_STATUS', message: 'the server replied 503' },
  startedAt: '2026-12-04T10:00:00.000Z',
  finishedAt: '2026-12-04T10:00:01.500Z',
  attemptHistory: [
    { attempt: 1, status: 'failed', error: { code: 'CORE_HTTP_STATUS', message: 'the server replied 502' }, startedAt: '2026-12-04T10:00:00.000Z', finishedAt: '2026-12-04T10:00:00.400Z' },
    { attempt: 2, status: 'failed', error: { code: 'CORE_HTTP_STATUS', message: 'the server replied 503' }, startedAt: '2026-12-04T10:00:01.000Z', finishedAt: '2026-12-04T10:00:01.500Z' },
  ],
};

const LOGS: RunEvent[] = [
  { runId: 'r1', seq: 4, type: 'task.log', at: '2026-12-04T10:00:00.100Z', taskId: 't1', nodeId: 'fetch', data: { level: 'warn', message: 'retrying after 502' } },
  { runId: 'r1', seq: 5, type: 'task.retrying', at: '2026-12-04T10:00:00.500Z', taskId: 't1', nodeId: 'fetch', data: {} },
];

/** A local server that serves the studio's task routes in their wire format. */
let server: Server;
let baseUrl: string;
const requests: string[] = [];
let taskStatus = 404;

beforeAll(async () => {
  server = createServer((request, response) => {
    const headers = { 'content-type': 'application/json', 'access-control-allow-origin': '*' };
    // happy-dom's fetch follows CORS, so a cross-origin request may come with a preflight first.
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { ...headers, 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET' }).end();
      return;
    }
    requests.push(request.url ?? '');
    if (taskStatus !== 200) {
      response.writeHead(taskStatus, headers).end(JSON.stringify({ code: 'TASK_NOT_FOUND', message: 'task "t1" does not exist' }));
    } else if (request.url === '/v1/tasks/t1') {
      response.writeHead(200, headers).end(JSON.stringify(TASK));
    } else if (request.url === '/v1/tasks/t1/logs') {
      response.writeHead(200, headers).end(JSON.stringify({ items: LOGS }));
    } else {
      response.writeHead(404, headers).end(JSON.stringify({ code: 'NOT_FOUND', message: 'no route' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

afterEach(() => {
  cleanup();
  requests.length = 0;
});

/** Requests for the task and its log; the artifact list of the run is fetched beside them. */
function taskRequests(): string[] {
  return requests.filter((url) => url.startsWith('/v1/tasks/'));
}

function renderInspector(runStore: RunStore) {
  const api = new StudioApi(new ApiClient({ sessions: new SessionStore(null), baseUrl }));
  render(
    <I18nProvider initial="en">
      <ApiContext.Provider value={api}>
        <TaskInspector store={runStore} nodeId="fetch" />
      </ApiContext.Provider>
    </I18nProvider>,
  );
}

function runWithTask(): RunStore {
  const runStore = createRunStore();
  const event: RunEvent = { runId: 'r1', seq: 1, type: 'task.failed', at: '', taskId: 't1', nodeId: 'fetch', data: { attempt: 2 } };
  runStore.setState({ view: applyRunEvent(newRunView('r1'), event) });
  return runStore;
}

describe('task inspector', () => {
  it('node without a task', () => {
    const runStore = createRunStore();
    runStore.setState({ view: newRunView('r1') });
    renderInspector(runStore);

    expect(screen.getByText('This node has not run in this run.')).toBeTruthy();
    expect(requests).toEqual([]);
  });

  it('shows the task, its attempts, error and log', async () => {
    taskStatus = 200;
    renderInspector(runWithTask());

    await screen.findByTestId('task-inspector');
    expect(taskRequests().sort()).toEqual(['/v1/tasks/t1', '/v1/tasks/t1/logs']);
    expect(screen.getByTestId('task-duration').textContent).toBe('1.5 s');
    expect(JSON.parse(screen.getByTestId('task-input').textContent ?? '')).toEqual({ in: { id: 7 } });
    expect(screen.getByTestId('task-output').textContent).toBe('—');
    expect(JSON.parse(screen.getByTestId('task-error').textContent ?? '')).toEqual(TASK.error);
    const attempts = screen.getByTestId('task-inspector').querySelectorAll('.inspector__attempts li');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.textContent).toContain('the server replied 502');
    const log = screen.getByTestId('task-inspector').querySelectorAll('.inspector__log li');
    expect(log).toHaveLength(1);
    expect(log[0]?.textContent).toContain('retrying after 502');
  });

  it('reloads when the status changes', async () => {
    taskStatus = 200;
    const runStore = runWithTask();
    renderInspector(runStore);
    await screen.findByTestId('task-inspector');
    requests.length = 0;

    act(() => {
      const event: RunEvent = { runId: 'r1', seq: 2, type: 'task.started', at: '', taskId: 't1', nodeId: 'fetch', data: { attempt: 3 } };
      runStore.setState({ view: applyRunEvent(runStore.getState().view!, event) });
    });

    await waitFor(() => expect(taskRequests()).toHaveLength(2));
  });

  it('shows API errors', async () => {
    taskStatus = 404;
    renderInspector(runWithTask());

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('does not exist');
  });
});

describe('formatDuration', () => {
  it('uses ms below a second and s above', () => {
    expect(formatDuration(850.4)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
  });
});
