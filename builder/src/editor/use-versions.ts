import { useCallback, useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import { listVersions, type VersionSummary } from '../api/history-api';
import type { StudioApi } from '../api/studio-api';
import type { SaveStatus } from '../store/autosave';

/** The version the editor changes, as its badge shows it. */
export type EditingState =
  | { kind: 'draft'; version: number }
  /** The latest version is the published one: the next save starts a new draft. */
  | { kind: 'published'; version: number }
  /** The latest version ran, so it is frozen: the next save starts a new draft. */
  | { kind: 'frozen'; version: number }
  | { kind: 'unknown' };

/** Tells which version the editor changes, from the version list (newest first). */
export function editingState(versions: readonly VersionSummary[] | null, publishedVersion: number | null): EditingState {
  const latest = versions?.[0];
  if (latest === undefined) return { kind: 'unknown' };
  if (latest.version === publishedVersion) return { kind: 'published', version: latest.version };
  if (latest.frozenAt !== null) return { kind: 'frozen', version: latest.version };
  return { kind: 'draft', version: latest.version };
}

/**
 * Loads the versions of a graph, again after each save reaches the server and after each
 * publish, so the list and the badge follow the editor.
 */
export function useVersions(api: StudioApi, graphId: string, saveStatus: SaveStatus, publishedVersion: number | null) {
  const [versions, setVersions] = useState<VersionSummary[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const reload = useCallback(async () => {
    try {
      setVersions(await listVersions(api, graphId));
      setError(null);
    } catch (caught) {
      setError(toApiError(caught));
    }
  }, [api, graphId]);

  useEffect(() => {
    if (saveStatus === 'saved') void reload();
  }, [reload, saveStatus, publishedVersion]);

  return { versions, error, reload, editing: editingState(versions, publishedVersion) };
}
