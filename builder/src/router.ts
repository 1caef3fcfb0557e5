/** A minimal router over the History API: the runtime serves index.html for every app path. */
import { useSyncExternalStore } from 'react';

const NAVIGATE_EVENT = 'gestorlead:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

/** Returns the current path, such as `/graphs/graph_1`, and re-renders when it changes. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(path: string): void {
  if (window.location.pathname === path) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** The screens of the builder. `runs` without a graph id lists the runs of every graph. */
export type Route =
  | { screen: 'dashboard' }
  | { screen: 'graphs' }
  | { screen: 'editor'; graphId: string }
  | { screen: 'runs'; graphId: string | null }
  | { screen: 'run'; runId: string }
  | { screen: 'playground' }
  | { screen: 'account' }
  | { screen: 'credentials' }
  | { screen: 'notFound' };

const ID = '([A-Za-z0-9_-]{1,64})';

/** Paths of the screens without parameters. */
export const ACCOUNT_PATH = '/account';
export const CREDENTIALS_PATH = '/credentials';

export function matchRoute(path: string): Route {
  if (path === '/' || path === '') return { screen: 'dashboard' };
  if (/^\/graphs\/?$/.test(path)) return { screen: 'graphs' };
  if (path === PLAYGROUND_PATH || path === `${PLAYGROUND_PATH}/`) return { screen: 'playground' };
  if (/^\/runs\/?$/.test(path)) return { screen: 'runs', graphId: null };
  const graphRuns = new RegExp(`^/graphs/${ID}/runs/?$`).exec(path);
  if (graphRuns !== null) return { screen: 'runs', graphId: graphRuns[1] };
  const run = new RegExp(`^/runs/${ID}/?$`).exec(path);
  if (run !== null) return { screen: 'run', runId: run[1] };
  const editor = new RegExp(`^/graphs/${ID}/?$`).exec(path);
  if (editor !== null) return { screen: 'editor', graphId: editor[1] };
  if (path === ACCOUNT_PATH) return { screen: 'account' };
  if (path === CREDENTIALS_PATH) return { screen: 'credentials' };
  return { screen: 'notFound' };
}

export function graphPath(id: string): string {
  return `/graphs/${id}`;
}

/** Returns the run id of a `?run=<id>` query, which opens the editor on that run, or null. */
export function runIdOfSearch(search: string): string | null {
  const runId = new URLSearchParams(search).get('run');
  return runId !== null && /^[A-Za-z0-9_-]{1,64}$/.test(runId) ? runId : null;
}

export function runPath(id: string): string {
  return `/runs/${id}`;
}

/** Returns the path of the run history of one graph, or of every graph for null. */
export function runsPath(graphId: string | null): string {
  return graphId === null ? '/runs' : `/graphs/${graphId}/runs`;
}

export const GRAPHS_PATH = '/graphs';
/** The playground screen. */
export const PLAYGROUND_PATH = '/playground';
