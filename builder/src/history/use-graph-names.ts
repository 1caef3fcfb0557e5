import { useEffect, useState } from 'react';
import type { StudioApi } from '../api/studio-api';

/** Loads the names of the user's graphs by id, for tables of runs; an empty map until loaded or when loading fails. */
export function useGraphNames(api: StudioApi): ReadonlyMap<string, string> {
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    let current = true;
    api.listGraphs().then(
      (graphs) => current && setNames(new Map(graphs.map((graph) => [graph.id, graph.name]))),
      // The tables then show graph ids, and the screen shows its own load errors.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api]);
  return names;
}
