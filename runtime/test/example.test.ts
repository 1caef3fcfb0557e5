import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedExamples } from '../src/seed-examples.js';
import { addFirstUser, startTestStudio, waitForRun, type TestStudio } from './support/studio.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Reads the example request body and the documented reply from the README. */
function documentedExample(): { body: string; reply: unknown } {
  const body = /-d '(\{[^']+\})'/.exec(README)?.[1];
  const reply = /replies\s+```json\n(.+)\n```/.exec(README)?.[1];
  if (!body || !reply) throw new Error('README has no webhook example with its reply');
  return { body, reply: JSON.parse(reply) };
}

let test: TestStudio;
/** Headers of a request by the studio's first account. */
const signedIn = () => ({ authorization: `Bearer ${test.token}` });
// As on a fresh install, the examples are stored before the first account, which claims them.
beforeEach(async () => {
  test = await startTestStudio({}, { firstUser: false });
  await seedExamples(test.storage, test.studio.ctx.registry, test.studio.ctx.log);
  await addFirstUser(test);
});
afterEach(async () => {
  await test.close();
});

describe('lead qualification example', () => {
  it('answers the documented reply', async () => {
    const { body, reply } = documentedExample();
    const response = await test.studio.app.inject({
      method: 'POST',
      url: '/hooks/lead-qualification',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(reply);
  });

  it('stores the run with every task', async () => {
    const { body } = documentedExample();
    await test.studio.app.inject({
      method: 'POST',
      url: '/hooks/lead-qualification',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    const list = await test.studio.app.inject({ url: '/v1/runs?graphId=lead-qualification', headers: signedIn() });
    const [summary] = list.json().items;
    await waitForRun(test, summary.id);
    const run = (await test.studio.app.inject({ url: `/v1/runs/${summary.id}`, headers: signedIn() })).json();
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('webhook');
    const statuses = Object.fromEntries(run.tasks.map((task: { nodeId: string; status: string }) => [task.nodeId, task.status]));
    expect(statuses).toEqual({
      validate: 'COMPLETED',
      score: 'COMPLETED',
      replyHot: 'COMPLETED',
      replyWarm: 'SKIPPED',
      replyCold: 'SKIPPED',
      replyInvalid: 'SKIPPED',
    });
    const validate = run.tasks.find((task: { nodeId: string }) => task.nodeId === 'validate');
    const logs = (await test.studio.app.inject({ url: `/v1/tasks/${validate.id}/logs`, headers: signedIn() })).json();
    expect(logs.items.map((event: { type: string }) => event.type)).toEqual(['task.started', 'task.log', 'task.completed']);
  });

  it('rejects a lead without email', async () => {
    const response = await test.studio.app.inject({
      method: 'POST',
      url: '/hooks/lead-qualification',
      headers: { 'content-type': 'application/json' },
      payload: { name: 'Ana Souza', budget: 10 },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ error: 'name and a valid email are required' });
  });

  it('scores warm and cold leads', async () => {
    const post = (budget: number) =>
      test.studio.app.inject({
        method: 'POST',
        url: '/hooks/lead-qualification',
        headers: { 'content-type': 'application/json' },
        payload: { name: 'Zoë Ñúñez 🚀', email: 'zoe@example.com', budget },
      });
    expect((await post(5000)).json()).toMatchObject({ tier: 'warm', lead: 'Zoë Ñúñez 🚀' });
    expect((await post(100)).json()).toMatchObject({ tier: 'cold' });
  });

  it('seeds only an empty store', async () => {
    const again = await seedExamples(test.storage, test.studio.ctx.registry, test.studio.ctx.log);
    expect(again).toEqual([]);
    expect(await test.storage.graphs.count()).toBe(1);
  });
});
