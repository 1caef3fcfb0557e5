import { describe, expect, it } from 'vitest';
import { matchRoute, runPath, runsPath } from './router';

describe('matchRoute', () => {
  it.each([
    ['/', { screen: 'dashboard' }],
    ['/graphs', { screen: 'graphs' }],
    ['/graphs/', { screen: 'graphs' }],
    ['/graphs/graph_1', { screen: 'editor', graphId: 'graph_1' }],
    ['/graphs/graph_1/runs', { screen: 'runs', graphId: 'graph_1' }],
    ['/runs', { screen: 'runs', graphId: null }],
    ['/runs/run_9', { screen: 'run', runId: 'run_9' }],
    ['/runs/bad id', { screen: 'notFound' }],
    ['/elsewhere', { screen: 'notFound' }],
  ])('matches %s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it('builds the paths it matches', () => {
    expect(matchRoute(runPath('run_1'))).toEqual({ screen: 'run', runId: 'run_1' });
    expect(matchRoute(runsPath('graph_2'))).toEqual({ screen: 'runs', graphId: 'graph_2' });
    expect(matchRoute(runsPath(null))).toEqual({ screen: 'runs', graphId: null });
  });
});
