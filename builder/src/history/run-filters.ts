/**
 * Filters of the run history screen: how they read from and write to the URL's query string, and
 * how they become a `GET /v1/runs` query. Dates are calendar days in the browser's time zone.
 */
import type { RunQuery } from '../api/history-api';
import { RUN_STATUSES, type RunStatus } from '../api/types';

/** Triggers a run can have, as the runtime stores them. */
export const RUN_TRIGGERS = ['manual', 'webhook', 'webhook-test', 'cron', 'resume'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export interface RunFilters {
  status: RunStatus | '';
  trigger: RunTrigger | '';
  /** First day shown, `YYYY-MM-DD`, or '' for no lower bound. */
  from: string;
  /** Last day shown (inclusive), `YYYY-MM-DD`, or '' for no upper bound. */
  to: string;
}

export const NO_FILTERS: RunFilters = { status: '', trigger: '', from: '', to: '' };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Returns the start of a calendar day in the local time zone, or null for text that is no valid day. */
export function localDayStart(day: string): Date | null {
  const match = DAY.exec(day);
  if (match === null) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Reject days that Date rolls over, such as 2026-02-30.
  if (date.getMonth() !== Number(match[2]) - 1 || date.getDate() !== Number(match[3])) return null;
  return date;
}

/** Reads filters from a query string such as `?status=failed&from=2026-01-01`, ignoring unknown values. */
export function filtersFromSearch(search: string): RunFilters {
  const params = new URLSearchParams(search);
  const status = params.get('status') ?? '';
  const trigger = params.get('trigger') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    status: (RUN_STATUSES as readonly string[]).includes(status) ? (status as RunStatus) : '',
    trigger: (RUN_TRIGGERS as readonly string[]).includes(trigger) ? (trigger as RunTrigger) : '',
    from: localDayStart(from) === null ? '' : from,
    to: localDayStart(to) === null ? '' : to,
  };
}

/** Writes the filters that are set as a query string, with its `?`, or '' when none is set. */
export function filtersToSearch(filters: RunFilters): string {
  const params = new URLSearchParams();
  for (const key of ['status', 'trigger', 'from', 'to'] as const) {
    if (filters[key] !== '') params.set(key, filters[key]);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Returns the message key of a filter problem, or null when the filters can be sent. */
export function filterProblem(filters: RunFilters): 'runs.filterRangeReversed' | null {
  if (filters.from !== '' && filters.to !== '' && filters.from > filters.to) return 'runs.filterRangeReversed';
  return null;
}

/** Builds the `GET /v1/runs` query of the filters; `to` includes its whole day. */
export function filtersToQuery(filters: RunFilters, graphId: string | null, cursor?: string, limit = 25): RunQuery {
  const query: RunQuery = { limit };
  if (graphId !== null) query.graphId = graphId;
  if (filters.status !== '') query.status = [filters.status];
  if (filters.trigger !== '') query.trigger = [filters.trigger];
  const from = localDayStart(filters.from);
  if (from !== null) query.since = from.toISOString();
  const to = localDayStart(filters.to);
  if (to !== null) {
    const next = new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1);
    query.until = next.toISOString();
  }
  if (cursor !== undefined) query.cursor = cursor;
  return query;
}
