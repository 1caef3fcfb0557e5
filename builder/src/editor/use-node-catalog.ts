import { useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api/api-error';
import type { StudioApi } from '../api/studio-api';
import { NodeCatalog } from '../graph/node-catalog';

/** Loads the node types and plugin names once per editor. */
export function useNodeCatalog(api: StudioApi): { catalog: NodeCatalog | null; error: ApiError | null } {
  const [catalog, setCatalog] = useState<NodeCatalog | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let current = true;
    Promise.all([api.nodeTypes(), api.plugins().catch(() => [])]).then(
      ([types, plugins]) => {
        if (current) setCatalog(new NodeCatalog(types, new Map(plugins.map((plugin) => [plugin.name, plugin.displayName]))));
      },
      (caught: unknown) => {
        if (current) setError(toApiError(caught));
      },
    );
    return () => {
      current = false;
    };
  }, [api]);
  return { catalog, error };
}
