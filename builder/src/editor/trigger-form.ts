/**
 * Logic of the editor's triggers panel: the manual input checked against the graph's input
 * schema, the webhook URLs, and the cron schedule form saved into `settings.schedule`.
 */
import {
  checkRunInput,
  DEFAULT_SCHEDULE_TIMEZONE,
  describeCronError,
  isKnownTimeZone,
  type GraphSettings,
  type ScheduleMissedPolicy,
  type ScheduleSettings,
} from '@gestorlead/sdk-plugin';

/** A problem of the manual input, located by a JSON pointer into the input ('' is the whole input). */
export interface InputProblem {
  pointer: string;
  message: string;
}

export type ParsedInput = { ok: true; value: unknown } | { ok: false; problems: InputProblem[] };

/**
 * Parses the manual input text and checks it against `settings.inputSchema` when the graph has
 * one. Empty text is the input `null`.
 */
export function parseManualInput(text: string, settings: GraphSettings | undefined): ParsedInput {
  let value: unknown = null;
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, problems: [{ pointer: '', message: `is not valid JSON: ${reason}` }] };
    }
  }
  const problems = checkRunInput({ settings }, value).map(({ pointer, message }) => ({ pointer, message }));
  return problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}

/** One property of the input schema, as the panel lists it for help. */
export interface SchemaField {
  pointer: string;
  type: string;
  required: boolean;
  description: string | null;
}

/** Lists the properties of an object input schema, nested objects included, in schema order. */
export function schemaFields(schema: Record<string, unknown> | undefined, base = ''): SchemaField[] {
  if (schema === undefined || typeof schema.properties !== 'object' || schema.properties === null) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : []);
  const fields: SchemaField[] = [];
  for (const [name, child] of Object.entries(schema.properties as Record<string, Record<string, unknown>>)) {
    const pointer = `${base}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    let type = 'any';
    if (Array.isArray(child.type)) type = child.type.join(' | ');
    else if (typeof child.type === 'string') type = child.type;
    const description = typeof child.description === 'string' ? child.description : null;
    fields.push({ pointer, type, required: required.has(name), description });
    fields.push(...schemaFields(child, pointer));
  }
  return fields;
}

/** Builds a starting input from a schema: defaults and examples where given, else an empty value of each type. */
export function sampleFromSchema(schema: Record<string, unknown> | undefined): unknown {
  if (schema === undefined) return {};
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const sample: Record<string, unknown> = {};
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [name, child] of Object.entries(properties)) sample[name] = sampleFromSchema(child);
      return sample;
    }
    case 'array':
      return [];
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** The two webhook URLs of a graph: the test one runs the latest draft, the production one the published version. */
export function webhookUrls(origin: string, graphId: string): { test: string; production: string } {
  const base = `${origin.replace(/\/+$/, '')}/hooks/${encodeURIComponent(graphId)}`;
  return { test: `${base}/test`, production: base };
}

/** The cron schedule as the panel edits it. */
export interface ScheduleForm {
  cron: string;
  timezone: string;
  enabled: boolean;
  missed: ScheduleMissedPolicy;
}

export type ScheduleField = 'cron' | 'timezone';

/** Returns the form of a graph's settings; a graph without a schedule gets an empty, enabled one. */
export function scheduleFormOf(settings: GraphSettings | undefined): ScheduleForm {
  const schedule = settings?.schedule;
  return {
    cron: schedule?.cron ?? '',
    timezone: schedule?.timezone ?? settings?.timezone ?? DEFAULT_SCHEDULE_TIMEZONE,
    enabled: schedule?.enabled ?? true,
    missed: schedule?.missed ?? 'skip',
  };
}

/** Checks the form with the same rules as the runtime; returns a message per invalid field. */
export function scheduleProblems(form: ScheduleForm): Partial<Record<ScheduleField, string>> {
  const problems: Partial<Record<ScheduleField, string>> = {};
  if (form.cron.trim() === '') {
    problems.cron = 'is required, such as "0 9 * * MON-FRI"';
  } else {
    const cronError = describeCronError(form.cron.trim());
    if (cronError !== null) problems.cron = cronError;
  }
  if (!isKnownTimeZone(form.timezone)) problems.timezone = `"${form.timezone}" is not a known IANA time zone, such as "America/Sao_Paulo"`;
  return problems;
}

/** Returns the settings with the form saved as `schedule`, or with the schedule removed for `null`. */
export function withSchedule(settings: GraphSettings | undefined, form: ScheduleForm | null): GraphSettings | undefined {
  const { schedule: _previous, ...rest } = settings ?? {};
  if (form === null) return Object.keys(rest).length === 0 ? undefined : rest;
  const schedule: ScheduleSettings = { cron: form.cron.trim(), timezone: form.timezone, enabled: form.enabled, missed: form.missed };
  return { ...rest, schedule };
}

/** Returns the time zones the browser supports, UTC first, or a short list where `Intl.supportedValuesOf` is missing. */
export function timeZoneChoices(): string[] {
  const supported = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['America/Sao_Paulo', 'America/New_York', 'Europe/London'];
  return ['UTC', ...supported.filter((zone) => zone !== 'UTC')];
}
