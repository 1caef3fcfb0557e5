import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { applyRoleArgument, usesAgendaDispatcher } from '../../src/scheduling/settings.js';

describe('scheduling settings', () => {
  it('defaults to the embedded role', () => {
    const { scheduling } = loadConfig({ DATA_DIR: '/tmp/studio' });
    expect(scheduling.role).toBe('all');
    expect(scheduling.runDispatcher).toBe('in-process');
    expect(scheduling.jobsDbPath).toBe('/tmp/studio/jobs.db');
    expect(usesAgendaDispatcher(scheduling)).toBe(false);
  });

  it('split roles use Agenda', () => {
    for (const role of ['api', 'worker', 'scheduler']) {
      expect(usesAgendaDispatcher(loadConfig({ ROLE: role }).scheduling), role).toBe(true);
    }
    expect(usesAgendaDispatcher(loadConfig({ RUN_DISPATCHER: 'agenda' }).scheduling)).toBe(true);
  });

  it('rejects invalid values', () => {
    expect(() => loadConfig({ ROLE: 'admin' })).toThrow(/ROLE must be one of all, api, worker, scheduler, got "admin"/);
    expect(() => loadConfig({ RUN_DISPATCHER: 'redis' })).toThrow(/RUN_DISPATCHER/);
    expect(() => loadConfig({ JOB_LOCK_LIFETIME_MS: '10' })).toThrow(/JOB_LOCK_LIFETIME_MS must be an integer from 1000/);
  });

  it('role flag wins over ROLE', () => {
    expect(applyRoleArgument(['--role', 'worker'], { ROLE: 'api' }).ROLE).toBe('worker');
    expect(applyRoleArgument(['--role=scheduler'], {}).ROLE).toBe('scheduler');
    expect(applyRoleArgument([], { ROLE: 'api' }).ROLE).toBe('api');
    expect(() => applyRoleArgument(['--role'], {})).toThrow(/--role needs a value/);
  });
});
