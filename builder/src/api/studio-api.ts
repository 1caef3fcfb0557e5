/** Typed calls of the studio API routes that the builder uses. */
import type { GraphDocument } from '@gestorlead/sdk-plugin';
import { ApiError } from './api-error';
import type { ApiClient } from './client';
import { RunStream, webSocketUrl } from './run-stream';
import type {
  GraphDetail,
  GraphSummary,
  NewTask,
  NodeTypeDescriptor,
  PluginSummary,
  RunEstimate,
  RunEvent,
  RunRecord,
  SessionReply,
  SetupInfo,
  TaskDetail,
  TaskRecord,
  TaskState,
  TaskTypeView,
  UserView,
} from './types';

/** Reply of `GET /v1/setup`, or `accounts: false` on a studio without accounts. */
export type SetupState = { accounts: false } | ({ accounts: true } & SetupInfo);

function isRouteMissing(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.code === 'ROUTE_NOT_FOUND';
}

export class StudioApi {
  readonly client: ApiClient;

  constructor(client: ApiClient) {
    this.client = client;
  }

  /** Tells whether this studio has accounts, and whether its first account is still needed. */
  async setup(): Promise<SetupState> {
    try {
      const info = await this.client.request<SetupInfo>('/v1/setup', { auth: false });
      return { accounts: true, ...info };
    } catch (error) {
      if (isRouteMissing(error)) return { accounts: false };
      throw error;
    }
  }

  async register(input: { email: string; password: string; fullName: string }): Promise<SessionReply> {
    const reply = await this.client.request<SessionReply>('/v1/auth/register', { method: 'POST', body: input, auth: false });
    this.client.sessions.set(reply);
    return reply;
  }

  async login(input: { email: string; password: string }): Promise<SessionReply> {
    const reply = await this.client.request<SessionReply>('/v1/auth/login', { method: 'POST', body: input, auth: false });
    this.client.sessions.set(reply);
    return reply;
  }

  /** Ends the session on the server, then removes it from this browser even when the server call fails. */
  async logout(): Promise<void> {
    const session = this.client.sessions.get();
    try {
      if (session !== null) {
        await this.client.request('/v1/auth/logout', {
          method: 'POST',
          body: { refreshToken: session.refreshToken },
          auth: false,
        });
      }
    } finally {
      this.client.sessions.set(null);
    }
  }

  me(): Promise<UserView> {
    return this.client.request<UserView>('/v1/me');
  }

  async listGraphs(search = ''): Promise<GraphSummary[]> {
    const query = new URLSearchParams({ limit: '500' });
    if (search !== '') query.set('search', search);
    return (await this.client.request<{ items: GraphSummary[] }>(`/v1/graphs?${query}`)).items;
  }

  getGraph(id: string): Promise<GraphDetail> {
    return this.client.request<GraphDetail>(`/v1/graphs/${encodeURIComponent(id)}`);
  }

  createGraph(document: GraphDocument): Promise<{ id: string; version: number }> {
    return this.client.request('/v1/graphs', { method: 'POST', body: document });
  }

  importGraph(file: unknown): Promise<{ id: string; version: number }> {
    return this.client.request('/v1/graphs/import', { method: 'POST', body: file });
  }

  saveDraft(id: string, document: GraphDocument): Promise<{ id: string; version: number }> {
    return this.client.request(`/v1/graphs/${encodeURIComponent(id)}`, { method: 'PUT', body: document });
  }

  deleteGraph(id: string): Promise<void> {
    return this.client.request(`/v1/graphs/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  publish(id: string): Promise<{ id: string; publishedVersion: number }> {
    return this.client.request(`/v1/graphs/${encodeURIComponent(id)}/publish`, { method: 'POST', body: {} });
  }

  exportGraph(id: string): Promise<{ blob: Blob; fileName: string | null }> {
    return this.client.download(`/v1/graphs/${encodeURIComponent(id)}/export`);
  }

  /** The credit estimate of the latest version, or null on a studio without credits. */
  async estimate(id: string): Promise<RunEstimate | null> {
    try {
      return await this.client.request<RunEstimate>(`/v1/graphs/${encodeURIComponent(id)}/estimate`);
    } catch (error) {
      if (isRouteMissing(error)) return null;
      throw error;
    }
  }

  async nodeTypes(): Promise<NodeTypeDescriptor[]> {
    return (await this.client.request<{ items: NodeTypeDescriptor[] }>('/v1/node-types')).items;
  }

  async plugins(): Promise<PluginSummary[]> {
    return (await this.client.request<{ items: PluginSummary[] }>('/v1/plugins')).items;
  }

  startRun(graphId: string, input: unknown): Promise<{ runId: string }> {
    return this.client.request(`/v1/graphs/${encodeURIComponent(graphId)}/runs`, { method: 'POST', body: { input } });
  }

  getRun(id: string): Promise<RunRecord & { tasks: TaskRecord[] }> {
    return this.client.request(`/v1/runs/${encodeURIComponent(id)}`);
  }

  cancelRun(id: string): Promise<RunRecord> {
    return this.client.request(`/v1/runs/${encodeURIComponent(id)}/cancel`, { method: 'POST', body: {} });
  }

  resumeRun(id: string): Promise<RunRecord> {
    return this.client.request(`/v1/runs/${encodeURIComponent(id)}/resume`, { method: 'POST', body: {} });
  }

  getTask(id: string): Promise<TaskDetail> {
    return this.client.request(`/v1/tasks/${encodeURIComponent(id)}`);
  }

  /** Lists the task types with the providers the signed-in user can run. */
  async taskTypes(): Promise<TaskTypeView[]> {
    return (await this.client.request<{ items: TaskTypeView[] }>('/v1/task-types')).items;
  }

  startTask(task: NewTask): Promise<{ task_id: string; status: string }> {
    return this.client.request('/v1/tasks', { method: 'POST', body: task });
  }

  taskState(id: string): Promise<TaskState> {
    return this.client.request(`/v1/tasks/${encodeURIComponent(id)}`);
  }

  /** Follows a run's events over `GET /v1/ws`; returns a function that closes the stream. */
  followRun(runId: string, onEvent: (event: RunEvent) => void): () => void {
    const stream = new RunStream({
      runId,
      url: async () => webSocketUrl(window.location, await this.client.accessToken()),
      onEvent,
    });
    return () => stream.close();
  }

  /** Downloads an artifact with the session's token, which an `<img src>` could not send. */
  async artifactBlob(url: string): Promise<Blob> {
    return (await this.client.download(url)).blob;
  }

  async taskLog(id: string): Promise<RunEvent[]> {
    return (await this.client.request<{ items: RunEvent[] }>(`/v1/tasks/${encodeURIComponent(id)}/logs`)).items;
  }
}
