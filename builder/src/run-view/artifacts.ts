/**
 * Artifacts of a node in the run on screen. `<img>`, `<audio>` and `<video>` cannot send the
 * session's Authorization header, so the builder fetches the content with it and shows a
 * `blob:` URL. No token ever appears in a URL.
 */
import type { ApiClient } from '../api/client';

/** An artifact as `GET /v1/runs/:id/artifacts` lists it. */
export interface ArtifactView {
  id: string;
  runId: string;
  taskId: string | null;
  nodeId: string | null;
  name: string;
  contentType: string;
  size: number;
  model: string | null;
  prompt: string | null;
  createdAt: string;
  url: string;
}

/** Maximum size of an artifact previewed inline, in bytes. Larger ones get a download button only. */
export const MAX_PREVIEW_BYTES = 32 * 1024 * 1024;

export type PreviewKind = 'image' | 'audio' | 'video' | 'text' | null;

/** Returns how an artifact is previewed, or null when it is offered as a download only. */
export function previewKindOf(artifact: Pick<ArtifactView, 'contentType' | 'size'>): PreviewKind {
  if (artifact.size > MAX_PREVIEW_BYTES) return null;
  const type = artifact.contentType.toLowerCase().split(';')[0].trim();
  // SVG may carry scripts. An <img> would not run them, but the text view keeps the file inert wherever it is shown.
  if (type === 'image/svg+xml') return 'text';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('text/') || type === 'application/json') return 'text';
  return null;
}

/** Lists the artifacts that `nodeId` made in the run, oldest first. */
export async function nodeArtifacts(client: ApiClient, runId: string, nodeId: string): Promise<ArtifactView[]> {
  const reply = await client.request<{ items: ArtifactView[] }>(`/v1/runs/${encodeURIComponent(runId)}/artifacts?limit=1000`);
  return reply.items.filter((item) => item.nodeId === nodeId);
}
