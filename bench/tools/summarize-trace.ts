/**
 * Prints where the renderer's main thread spent the time of a Chrome trace (trace event format,
 * as `bench/builder-canvas.ts` writes with `BENCH_CANVAS_PROFILE_DIR`): self time by event name,
 * such as `FunctionCall` (script), `UpdateLayoutTree` (style recalculation), `Layout` and `Paint`.
 *
 *   node --import tsx bench/tools/summarize-trace.ts FILE.trace.json [--top 20]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  /** Start, in microseconds. */
  ts: number;
  /** Duration of a complete (`X`) event, in microseconds. */
  dur?: number;
  args?: { name?: string };
}

interface Span {
  name: string;
  start: number;
  end: number;
}

/** Returns the spans of one thread from its complete (`X`) and begin/end (`B`/`E`) events. */
function spansOf(events: TraceEvent[]): Span[] {
  const spans: Span[] = [];
  const open: TraceEvent[] = [];
  for (const event of events) {
    if (event.ph === 'X' && event.dur !== undefined) spans.push({ name: event.name, start: event.ts, end: event.ts + event.dur });
    else if (event.ph === 'B') open.push(event);
    else if (event.ph === 'E') {
      const begin = open.pop();
      if (begin !== undefined) spans.push({ name: begin.name, start: begin.ts, end: event.ts });
    }
  }
  // Parents first: earlier start, and the longer span of two that start together.
  return spans.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** Adds each span's self time (its duration minus that of the spans nested in it) to `totals`. */
function addSelfTimes(spans: Span[], totals: Map<string, number>): number {
  const stack: { span: Span; childMicros: number }[] = [];
  let busyMicros = 0;
  const close = (entry: { span: Span; childMicros: number }) => {
    const duration = entry.span.end - entry.span.start;
    totals.set(entry.span.name, (totals.get(entry.span.name) ?? 0) + duration - entry.childMicros);
    const parent = stack.at(-1);
    if (parent === undefined) busyMicros += duration;
    else parent.childMicros += duration;
  };
  for (const span of spans) {
    while (stack.length > 0 && stack.at(-1)!.span.end <= span.start) close(stack.pop()!);
    stack.push({ span, childMicros: 0 });
  }
  while (stack.length > 0) close(stack.pop()!);
  return busyMicros;
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
  if (positionals.length !== 1) {
    console.error('usage: summarize-trace.ts FILE.trace.json [--top N]');
    process.exit(2);
  }
  const parsed = JSON.parse(readFileSync(positionals[0], 'utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;

  const mainThreads = new Set(
    events.filter((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain').map((event) => `${event.pid}:${event.tid}`),
  );
  const byThread = new Map<string, TraceEvent[]>();
  for (const event of events) {
    const key = `${event.pid}:${event.tid}`;
    if (!mainThreads.has(key)) continue;
    const list = byThread.get(key) ?? [];
    list.push(event);
    byThread.set(key, list);
  }
  const timed = events.filter((event) => event.ts > 0);
  const spanMicros = Math.max(...timed.map((event) => event.ts + (event.dur ?? 0))) - Math.min(...timed.map((event) => event.ts));

  const totals = new Map<string, number>();
  let busyMicros = 0;
  for (const threadEvents of byThread.values()) busyMicros += addSelfTimes(spansOf(threadEvents), totals);

  const percent = (micros: number): string => `${((100 * micros) / spanMicros).toFixed(1).padStart(5)} %`;
  console.log(`trace: ${(spanMicros / 1e6).toFixed(2)} s; renderer main thread busy ${percent(busyMicros).trim()} (${(busyMicros / 1e3).toFixed(0)} ms)`);
  console.log('\nself time by event, share of the trace:');
  for (const [name, micros] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
    console.log(`${percent(micros)}  ${(micros / 1e3).toFixed(0).padStart(6)} ms  ${name}`);
  }
}

main();
