/**
 * Layout of a run's timeline: one row per task, ordered by start, with one bar per attempt from
 * its start to its end on a shared time axis. Pure functions, so tests check the geometry.
 */
import type { AttemptRecord, TaskStatus } from '../api/types';

/** The fields of a task the timeline reads. */
export interface TimelineTask {
  id: string;
  nodeId: string;
  nodeType: string;
  status: TaskStatus;
  startedAt: string | null;
  finishedAt: string | null;
  attemptHistory: AttemptRecord[];
}

/** One attempt as a bar; `left` and `width` are shares of the axis (0 to 1). */
export interface TimelineBar {
  attempt: number;
  status: string;
  startMs: number;
  /** Milliseconds from the attempt's start to its end, or to `now` while it runs. */
  durationMs: number;
  running: boolean;
  left: number;
  width: number;
}

export interface TimelineRow {
  taskId: string;
  nodeId: string;
  nodeType: string;
  status: TaskStatus;
  /** Milliseconds from the first attempt's start to the last one's end; null for a task that never started. */
  durationMs: number | null;
  bars: TimelineBar[];
}

export interface TimelineLayout {
  /** Milliseconds since the epoch at the left end of the axis. */
  startMs: number;
  /** Length of the axis in milliseconds, at least 1. */
  spanMs: number;
  rows: TimelineRow[];
  /** Axis marks as offsets from `startMs`, with their share of the axis. */
  ticks: { offsetMs: number; left: number }[];
}

/** Narrowest bar, as a share of the axis, so an attempt of a few milliseconds stays visible. */
export const MIN_BAR_WIDTH = 0.004;
const TICK_COUNT = 4;

interface Span {
  attempt: number;
  status: string;
  start: number;
  end: number;
  running: boolean;
}

/** Returns the attempts of a task as time spans; a task without attempt records uses its own times. */
function spansOf(task: TimelineTask, now: number): Span[] {
  let attempts: AttemptRecord[] = task.attemptHistory;
  if (attempts.length === 0 && task.startedAt !== null) {
    attempts = [{ attempt: 1, status: task.status, error: null, startedAt: task.startedAt, finishedAt: task.finishedAt }];
  }
  return attempts.map((attempt) => {
    const start = Date.parse(attempt.startedAt);
    const end = attempt.finishedAt === null ? now : Date.parse(attempt.finishedAt);
    return { attempt: attempt.attempt, status: attempt.status, start, end: Math.max(start, end), running: attempt.finishedAt === null };
  });
}

/**
 * Lays out the timeline of a run. The axis runs from the run's start (or the earliest attempt)
 * to the latest end; attempts still running end at `now`. Tasks that never started get a row
 * without bars, after the others.
 */
export function layoutTimeline(tasks: readonly TimelineTask[], runStartedAt: string | null, now: number): TimelineLayout {
  const spans = new Map(tasks.map((task) => [task.id, spansOf(task, now)]));
  const all = [...spans.values()].flat();
  const runStart = runStartedAt === null ? Number.POSITIVE_INFINITY : Date.parse(runStartedAt);
  const startMs = Math.min(runStart, ...all.map((span) => span.start));
  const origin = Number.isFinite(startMs) ? startMs : now;
  const endMs = Math.max(origin, ...all.map((span) => span.end));
  const spanMs = Math.max(1, endMs - origin);

  const rows = tasks.map((task): TimelineRow => {
    const taskSpans = spans.get(task.id) ?? [];
    const bars = taskSpans.map((span) => {
      const left = (span.start - origin) / spanMs;
      return {
        attempt: span.attempt,
        status: span.status,
        startMs: span.start,
        durationMs: span.end - span.start,
        running: span.running,
        left,
        width: Math.min(1 - left, Math.max(MIN_BAR_WIDTH, (span.end - span.start) / spanMs)),
      };
    });
    const durationMs = taskSpans.length === 0 ? null : Math.max(...taskSpans.map((span) => span.end)) - Math.min(...taskSpans.map((span) => span.start));
    return { taskId: task.id, nodeId: task.nodeId, nodeType: task.nodeType, status: task.status, durationMs, bars };
  });
  rows.sort((a, b) => firstStart(a) - firstStart(b) || a.nodeId.localeCompare(b.nodeId));

  const ticks = Array.from({ length: TICK_COUNT + 1 }, (_, index) => ({ offsetMs: (spanMs * index) / TICK_COUNT, left: index / TICK_COUNT }));
  return { startMs: origin, spanMs, rows, ticks };
}

function firstStart(row: TimelineRow): number {
  return row.bars.length === 0 ? Number.POSITIVE_INFINITY : row.bars[0].startMs;
}

/** Formats a duration for the timeline: milliseconds below one second, seconds below a minute, else minutes and seconds. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}
