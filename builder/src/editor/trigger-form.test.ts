import { describe, expect, it } from 'vitest';
import { parseManualInput, sampleFromSchema, scheduleFormOf, scheduleProblems, schemaFields, webhookUrls, withSchedule } from './trigger-form';

const LEAD_SCHEMA = {
  type: 'object',
  required: ['email'],
  properties: {
    email: { type: 'string', minLength: 3, description: 'Where to answer' },
    budget: { type: 'integer', minimum: 0, default: 100 },
    company: { type: 'object', properties: { name: { type: 'string' } } },
  },
};

describe('parseManualInput', () => {
  it('reads empty text as null', () => {
    expect(parseManualInput('  ', undefined)).toEqual({ ok: true, value: null });
  });

  it('reports invalid JSON at the root', () => {
    const result = parseManualInput('{"a":', undefined);

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.pointer)).toEqual(['']);
    expect(result.ok ? '' : result.problems[0].message).toMatch(/^is not valid JSON/);
  });

  it('accepts any JSON without a schema', () => {
    expect(parseManualInput('[1, 2]', {})).toEqual({ ok: true, value: [1, 2] });
  });

  it('points at each field that fails the schema', () => {
    const result = parseManualInput('{"budget": -5, "company": {"name": 7}}', { inputSchema: LEAD_SCHEMA });

    expect(result.ok).toBe(false);
    const pointers = result.ok ? [] : result.problems.map((problem) => problem.pointer).sort();
    expect(pointers).toEqual(['/budget', '/company/name', '/email']);
  });

  it('accepts an input that matches the schema', () => {
    expect(parseManualInput('{"email": "ana@example.com"}', { inputSchema: LEAD_SCHEMA })).toEqual({ ok: true, value: { email: 'ana@example.com' } });
  });
});

describe('schema help', () => {
  it('lists nested fields with required marks', () => {
    expect(schemaFields(LEAD_SCHEMA)).toEqual([
      { pointer: '/email', type: 'string', required: true, description: 'Where to answer' },
      { pointer: '/budget', type: 'integer', required: false, description: null },
      { pointer: '/company', type: 'object', required: false, description: null },
      { pointer: '/company/name', type: 'string', required: false, description: null },
    ]);
  });

  it('builds a sample with defaults', () => {
    expect(sampleFromSchema(LEAD_SCHEMA)).toEqual({ email: '', budget: 100, company: { name: '' } });
  });
});

describe('webhookUrls', () => {
  it('builds test and production URLs', () => {
    expect(webhookUrls('http://127.0.0.1:3000/', 'graph_1')).toEqual({
      test: 'http://127.0.0.1:3000/hooks/graph_1/test',
      production: 'http://127.0.0.1:3000/hooks/graph_1',
    });
  });
});

describe('schedule form', () => {
  it('defaults to an enabled schedule in the graph zone', () => {
    expect(scheduleFormOf({ timezone: 'America/Sao_Paulo' })).toEqual({ cron: '', timezone: 'America/Sao_Paulo', enabled: true, missed: 'skip' });
  });

  it('requires a cron expression', () => {
    expect(scheduleProblems({ cron: ' ', timezone: 'UTC', enabled: true, missed: 'skip' }).cron).toMatch(/required/);
  });

  it('rejects a bad expression and zone', () => {
    const problems = scheduleProblems({ cron: '61 * * * *', timezone: 'Mars/Olympus', enabled: true, missed: 'skip' });

    expect(problems.cron).toBeTypeOf('string');
    expect(problems.timezone).toMatch(/Mars\/Olympus/);
  });

  it('accepts a valid schedule', () => {
    expect(scheduleProblems({ cron: '0 9 * * MON-FRI', timezone: 'America/New_York', enabled: false, missed: 'runOnce' })).toEqual({});
  });

  it('saves and removes the schedule in settings', () => {
    const form = { cron: ' */5 * * * * ', timezone: 'UTC', enabled: false, missed: 'runOnce' as const };
    const saved = withSchedule({ timeoutMs: 1000 }, form);

    expect(saved).toEqual({ timeoutMs: 1000, schedule: { cron: '*/5 * * * *', timezone: 'UTC', enabled: false, missed: 'runOnce' } });
    expect(scheduleFormOf(saved)).toEqual({ ...form, cron: '*/5 * * * *' });
    expect(withSchedule(saved, null)).toEqual({ timeoutMs: 1000 });
    expect(withSchedule({ schedule: saved!.schedule }, null)).toBeUndefined();
  });
});
