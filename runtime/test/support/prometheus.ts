/** One sample of a scrape: the series name, its labels and its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed scrape: the samples, and the metric families that `# TYPE` lines declare. */
export interface Scrape {
  samples: Sample[];
  /** Metric family names with their type (`counter`, `gauge`, `histogram`, `summary`). */
  families: Map<string, string>;
  text: string;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text exposition format (version 0.0.4). */
export function parsePrometheusText(text: string): Scrape {
  const samples: Sample[] = [];
  const families = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice('# TYPE '.length).split(' ');
      families.set(name, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(LABEL_PAIR)) {
      labels[pair[1]] = pair[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { samples, families, text };
}

/** Fetches `url` (a `/metrics` address) over HTTP and parses it. */
export async function scrape(url: string, token?: string): Promise<Scrape> {
  const response = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`GET ${url} replied ${response.status}: ${await response.text()}`);
  return parsePrometheusText(await response.text());
}

/** Returns the samples of `name` whose labels include every entry of `labels`. */
export function samplesOf(scraped: Scrape, name: string, labels: Record<string, string> = {}): Sample[] {
  return scraped.samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** Returns the value of the one sample of `name` with `labels`; throws when there is not exactly one. */
export function valueOf(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  const found = samplesOf(scraped, name, labels);
  if (found.length !== 1) {
    throw new Error(`expected one sample of ${name} ${JSON.stringify(labels)}, found ${found.length}`);
  }
  return found[0].value;
}
