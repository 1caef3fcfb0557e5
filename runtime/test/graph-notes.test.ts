import type { GraphDocument, GraphNote } from '@gestorlead/sdk-plugin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGraph, expectError, request, startRun } from './support/http.js';
import { buildChain, startTestStudio, waitForRun, type TestStudio } from './support/studio.js';

let test: TestStudio;

beforeEach(async () => {
  test = await startTestStudio();
});

afterEach(async () => {
  await test.close();
});

const NOTES: GraphNote[] = [
  { id: 'why', text: 'Leads from the form.\n- hot: call today', position: { x: 0, y: -150 }, size: { width: 260, height: 120 }, color: 'blue' },
  // A note may share its id with a node: notes are not nodes.
  { id: 'n1', text: 'First step', position: { x: 0, y: 200 } },
];

function withNotes(document: GraphDocument): GraphDocument {
  return { ...document, notes: NOTES };
}

describe('graph notes', () => {
  it('are stored with the graph', async () => {
    const id = await createGraph(test, withNotes(buildChain(2)));

    const reply = await request(test, { method: 'GET', url: `/v1/graphs/${id}` });

    expect(reply.status).toBe(200);
    expect(reply.body.document.notes).toEqual(NOTES);
  });

  it('survive export and import', async () => {
    const id = await createGraph(test, withNotes(buildChain(2)));
    const exported = await test.studio.app.inject({
      method: 'GET',
      url: `/v1/graphs/${id}/export`,
      headers: { authorization: `Bearer ${test.token}` },
    });

    const imported = await request(test, {
      method: 'POST',
      url: '/v1/graphs/import',
      headers: { 'content-type': 'application/json' },
      payload: exported.body,
    });
    const copy = await request(test, { method: 'GET', url: `/v1/graphs/${imported.body.id}` });

    expect(JSON.parse(exported.body).notes).toEqual(NOTES);
    expect(imported.status).toBe(201);
    expect(copy.body.document.notes).toEqual(NOTES);
  });

  it('are not executed', async () => {
    const id = await createGraph(test, withNotes(buildChain(2)));

    const runId = await startRun(test, id, 'x');
    await waitForRun(test, runId);
    const run = await request(test, { method: 'GET', url: `/v1/runs/${runId}` });

    expect(run.body.status).toBe('succeeded');
    expect(run.body.tasks.map((task: { nodeId: string }) => task.nodeId).sort()).toEqual(['n1', 'n2']);
  });

  it('with an unknown colour are rejected', async () => {
    const document = { ...buildChain(1), notes: [{ ...NOTES[0], color: 'orange' }] };

    const reply = await request(test, { method: 'POST', url: '/v1/graphs', payload: document });

    expectError(reply, { status: 400, code: 'GRAPH_INVALID', pointer: '/notes/0/color' });
  });
});
