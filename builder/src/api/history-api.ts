/**
 * Typed calls of the routes behind the dashboard, run history, templates, versions and the
 * triggers panel. Functions over `StudioApi` rather than methods, so this file grows apart from
 * the client class.
 */
import type { GraphSettings } from '@gestorlead/sdk-plugin';
import type { StudioApi } from './studio-api';
import type { AttemptRecord, GraphDocument, RunRecord, RunStatus, TaskRecord } from './types';

/** `GET /v1/stats/daily`: one UTC day of the signed-in user's activity. */
export interface DailyActivity {
  day: string;
  runs: number;
  succeeded: number;
  failed: number;
  credits: number;
}

/** `GET /v1/templates`: an example graph to create a graph from. */
export interface TemplateSummary {
  id: string;
  name: string;
  description: string | null;
  nodeCount: number;
  /** An exported document that `POST /v1/graphs/import` accepts. */
  document: unknown;
}

/** `GET /v1/graphs/:id/versions`: one stored version. */
export interface VersionSummary {
  version: number;
  state: 'published' | 'draft';
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  /** The user who last published the version; `email` is null for a deleted account. */
  publishedBy?: { id: string; email: string | null } | null;
  frozenAt: string | null;
}

/** A stored webhook request. */
export interface DeliveryRecord {
  id: string;
  graphId: string;
  runId: string;
  test: boolean;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  contentType: string | null;
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  receivedAt: string;
}

/** `GET /v1/graphs/:id/deliveries/next`. */
export interface NextDelivery {
  delivery: DeliveryRecord | null;
  /** The `after` of the next wait, so no delivery falls between two waits. */
  listenedUntil: string;
}

/** `GET /v1/graphs/:id/schedule`. */
export interface ScheduleState {
  graphId: string;
  version: number;
  cron: string;
  timezone: string;
  enabled: boolean;
  missed: 'skip' | 'runOnce';
  paused: boolean;
  nextFireAt: string | null;
}

/** Filters of the run history; absent fields match every run. */
export interface RunQuery {
  graphId?: string;
  status?: RunStatus[];
  trigger?: string[];
  /** ISO instant: runs created at or after it. */
  since?: string;
  /** ISO instant: runs created before it. */
  until?: string;
  limit?: number;
  cursor?: string;
}

export interface RunPage {
  items: RunRecord[];
  nextCursor: string | null;
}

export type TaskWithAttempts = TaskRecord & { attemptHistory: AttemptRecord[] };
export type RunWithAttempts = RunRecord & { tasks: TaskWithAttempts[] };

const graphPath = (id: string) => `/v1/graphs/${encodeURIComponent(id)}`;

/** Builds the query string of `GET /v1/runs`; repeated keys carry the list filters. */
export function runQueryString(query: RunQuery): string {
  const params = new URLSearchParams();
  if (query.graphId !== undefined) params.set('graphId', query.graphId);
  for (const status of query.status ?? []) params.append('status', status);
  for (const trigger of query.trigger ?? []) params.append('trigger', trigger);
  if (query.since !== undefined) params.set('since', query.since);
  if (query.until !== undefined) params.set('until', query.until);
  params.set('limit', String(query.limit ?? 50));
  if (query.cursor !== undefined) params.set('cursor', query.cursor);
  return params.toString();
}

export function listRuns(api: StudioApi, query: RunQuery): Promise<RunPage> {
  return api.client.request<RunPage>(`/v1/runs?${runQueryString(query)}`);
}

export function getRunWithAttempts(api: StudioApi, id: string): Promise<RunWithAttempts> {
  return api.client.request<RunWithAttempts>(`/v1/runs/${encodeURIComponent(id)}?attempts=true`);
}

export async function dailyActivity(api: StudioApi, days: number): Promise<DailyActivity[]> {
  return (await api.client.request<{ items: DailyActivity[] }>(`/v1/stats/daily?days=${days}`)).items;
}

export async function listTemplates(api: StudioApi): Promise<TemplateSummary[]> {
  return (await api.client.request<{ items: TemplateSummary[] }>('/v1/templates')).items;
}

export async function listVersions(api: StudioApi, graphId: string): Promise<VersionSummary[]> {
  return (await api.client.request<{ items: VersionSummary[] }>(`${graphPath(graphId)}/versions`)).items;
}

export async function getVersionDocument(api: StudioApi, graphId: string, version: number): Promise<GraphDocument> {
  return (await api.client.request<{ document: GraphDocument }>(`${graphPath(graphId)}?version=${version}`)).document;
}

export function publishVersion(api: StudioApi, graphId: string, version: number): Promise<{ publishedVersion: number }> {
  return api.client.request(`${graphPath(graphId)}/publish`, { method: 'POST', body: { version } });
}

export function nextDelivery(api: StudioApi, graphId: string, after: string | null, signal: AbortSignal): Promise<NextDelivery> {
  const params = new URLSearchParams({ test: 'true', timeoutMs: '25000' });
  if (after !== null) params.set('after', after);
  return api.client.request<NextDelivery>(`${graphPath(graphId)}/deliveries/next?${params}`, { signal });
}

export function getSchedule(api: StudioApi, graphId: string): Promise<ScheduleState> {
  return api.client.request<ScheduleState>(`${graphPath(graphId)}/schedule`);
}

export function setSchedulePaused(api: StudioApi, graphId: string, paused: boolean): Promise<ScheduleState> {
  return api.client.request<ScheduleState>(`${graphPath(graphId)}/schedule/${paused ? 'pause' : 'resume'}`, { method: 'POST', body: {} });
}

export function previewSchedule(api: StudioApi, graphId: string, cron: string, timezone: string, count = 5): Promise<string[]> {
  const params = new URLSearchParams({ cron, timezone, count: String(count) });
  return api.client.request<string[]>(`${graphPath(graphId)}/schedule/preview?${params}`);
}

export type { GraphSettings };
