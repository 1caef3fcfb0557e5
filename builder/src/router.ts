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

/** The screens of the builder. */
export type Route = { screen: 'graphs' } | { screen: 'editor'; graphId: string } | { screen: 'playground' } | { screen: 'notFound' };

/** Path of the playground screen. */
export const PLAYGROUND_PATH = '/playground';

export function matchRoute(path: string): Route {
  if (path === '/' || path === '') return { screen: 'graphs' };
  if (path === PLAYGROUND_PATH || path === `${PLAYGROUND_PATH}/`) return { screen: 'playground' };
  const editor = /^\/graphs\/([A-Za-z0-9_-]{1,64})\/?$/.exec(path);
  if (editor !== null) return { screen: 'editor', graphId: editor[1] };
  return { screen: 'notFound' };
}

export function graphPath(id: string): string {
  return `/graphs/${id}`;
}
