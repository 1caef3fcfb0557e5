import { describe, expect, it } from 'vitest';
import { runQueryString } from '../api/history-api';
import { filterProblem, filtersFromSearch, filtersToQuery, filtersToSearch, localDayStart, NO_FILTERS } from './run-filters';

describe('localDayStart', () => {
  it('reads a calendar day at local midnight', () => {
    const date = localDayStart('2026-03-09');

    expect(date?.getFullYear()).toBe(2026);
    expect(date?.getMonth()).toBe(2);
    expect(date?.getDate()).toBe(9);
    expect(date?.getHours()).toBe(0);
  });

  it.each(['2026-02-30', '2026-13-01', '09/03/2026', ''])('rejects %s', (text) => {
    expect(localDayStart(text)).toBeNull();
  });
});

describe('filters in the URL', () => {
  it('round-trips every filter', () => {
    const filters = { status: 'failed', trigger: 'cron', from: '2026-01-01', to: '2026-01-31' } as const;

    expect(filtersFromSearch(filtersToSearch(filters))).toEqual(filters);
  });

  it('writes nothing without filters', () => {
    expect(filtersToSearch(NO_FILTERS)).toBe('');
  });

  it('drops unknown values', () => {
    expect(filtersFromSearch('?status=exploded&trigger=email&from=yesterday&to=2026-01-02')).toEqual({
      status: '',
      trigger: '',
      from: '',
      to: '2026-01-02',
    });
  });
});

describe('filtersToQuery', () => {
  it('sends no filter by default', () => {
    expect(filtersToQuery(NO_FILTERS, null)).toEqual({ limit: 25 });
  });

  it('includes the whole last day', () => {
    const query = filtersToQuery({ ...NO_FILTERS, from: '2026-01-01', to: '2026-01-31' }, null);

    expect(query.since).toBe(new Date(2026, 0, 1).toISOString());
    expect(query.until).toBe(new Date(2026, 1, 1).toISOString());
  });

  it('passes graph, status, trigger and cursor', () => {
    const query = filtersToQuery({ ...NO_FILTERS, status: 'failed', trigger: 'webhook' }, 'graph_1', 'abc', 10);

    expect(query).toEqual({ limit: 10, graphId: 'graph_1', status: ['failed'], trigger: ['webhook'], cursor: 'abc' });
    expect(runQueryString(query)).toBe('graphId=graph_1&status=failed&trigger=webhook&limit=10&cursor=abc');
  });
});

describe('filterProblem', () => {
  it('rejects a reversed range', () => {
    expect(filterProblem({ ...NO_FILTERS, from: '2026-02-01', to: '2026-01-01' })).toBe('runs.filterRangeReversed');
  });

  it('accepts a one-day range', () => {
    expect(filterProblem({ ...NO_FILTERS, from: '2026-02-01', to: '2026-02-01' })).toBeNull();
  });
});
