/**
 * Prints where a V8 CPU profile (`node --cpu-prof`) spent its samples: self time by function
 * and by package or source folder, plus the total time under each of the `--focus` names.
 *
 *   node --import tsx bench/tools/summarize-profile.ts FILE.cpuprofile [--top 30] [--focus name,name]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Names the package (`node_modules/<name>`), workspace folder or Node internal a URL is in. */
function groupOf(url: string): string {
  if (url === '') return '(native or VM)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  const workspace = /\/(runtime|storage|sdk-plugin|bench)\/src\/([^/]+)/.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  return url.replace(/^file:\/\//, '');
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '30' }, focus: { type: 'string', default: '' } },
  });
  if (positionals.length !== 1) {
    console.error('usage: summarize-profile.ts FILE.cpuprofile [--top N] [--focus name,name]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

  const selfMicros = new Map<number, number>();
  for (let index = 0; index < profile.samples.length; index += 1) {
    const id = profile.samples[index];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  const totalMicros = profile.endTime - profile.startTime;

  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  const focusNames = values.focus ? values.focus.split(',') : [];
  const focusTotals = new Map<string, number>(focusNames.map((name) => [name, 0]));
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    const location = frame.url ? `${frame.url.replace(/^.*\/(node_modules|work\/main)\//, '')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${location}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    byGroup.set(groupOf(frame.url), (byGroup.get(groupOf(frame.url)) ?? 0) + micros);
    // Count the sample once under each focus name found on its stack.
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const name = byId.get(current)!.callFrame.functionName;
      if (focusTotals.has(name) && !seen.has(name)) {
        seen.add(name);
        focusTotals.set(name, focusTotals.get(name)! + micros);
      }
    }
  }

  const percent = (micros: number): string => `${((100 * micros) / totalMicros).toFixed(1).padStart(5)} %`;
  const top = Number(values.top);
  console.log(`profile: ${(totalMicros / 1e6).toFixed(2)} s, ${profile.samples.length} samples`);
  console.log('\nself time by package or folder:');
  for (const [group, micros] of [...byGroup].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${percent(micros)}  ${group}`);
  }
  console.log('\nself time by function:');
  for (const [name, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${percent(micros)}  ${name}`);
  }
  if (focusNames.length > 0) {
    console.log('\ntotal time under each focus name:');
    for (const [name, micros] of focusTotals) console.log(`${percent(micros)}  ${name}`);
  }
}

main();
