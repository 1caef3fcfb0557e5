/**
 * The node settings panel: label, a form generated from the node type's config JSON Schema by
 * react-jsonschema-form, and the retry, timeout and join settings. Problems come from
 * `validateGraph`, so the form shows what the runtime would reject.
 */
import type { GraphNode, JoinMode, RetryPolicy } from '@gestorlead/sdk-plugin';
import Form from '@rjsf/core';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useMemo, useRef } from 'react';
import { useStore } from 'zustand';
import { CredentialPickers } from '../credentials/credential-picker';
import type { LocatedProblem } from '../graph/problems';
import { useI18n } from '../i18n/i18n';
import type { EditorStore } from '../store/editor-store';

export interface NodeSettingsProps {
  store: EditorStore;
  nodeId: string;
  /** Problems of this node from `validateGraph`. */
  problems: readonly LocatedProblem[];
}

/** The retry policy a node gets when retries are switched on. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, backoff: 'exponential', delayMs: 1000 };

const UI_SCHEMA: UiSchema = { 'ui:submitButtonOptions': { norender: true } };

/** Decodes one JSON pointer segment (RFC 6901). */
function decodeSegment(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Turns the node's config problems into react-jsonschema-form's nested error object. */
export function configErrors(problems: readonly LocatedProblem[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const problem of problems) {
    const pointer = problem.nodePointer ?? '';
    if (pointer !== '/config' && !pointer.startsWith('/config/')) continue;
    const path = pointer.split('/').slice(2).map(decodeSegment);
    let target = root;
    for (const segment of path) {
      target[segment] ??= {};
      target = target[segment] as Record<string, unknown>;
    }
    target.__errors = [...((target.__errors as string[] | undefined) ?? []), problem.message];
  }
  return root as ErrorSchema;
}

/** Parses a number field; empty text removes the setting. */
function parseOptionalInteger(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? Math.round(value) : undefined;
}

/**
 * Returns the node `nodeId`, keeping the previous object while only its position changes, so a
 * drag of the selected node does not render its settings form on every step.
 */
function useNodeExceptMoves(store: EditorStore, nodeId: string): GraphNode | undefined {
  const lastReturned = useRef<GraphNode | undefined>(undefined);
  return useStore(store, (state) => {
    const node = state.content.nodes.find((item) => item.id === nodeId);
    const previous = lastReturned.current;
    if (node !== undefined && previous !== undefined && sameExceptPosition(node, previous)) return previous;
    lastReturned.current = node;
    return node;
  });
}

function sameExceptPosition(a: GraphNode, b: GraphNode): boolean {
  if (a === b) return true;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('position');
  return [...keys].every((key) => a[key as keyof GraphNode] === b[key as keyof GraphNode]);
}

export function NodeSettings({ store, nodeId, problems }: NodeSettingsProps) {
  const { t } = useI18n();
  const node = useNodeExceptMoves(store, nodeId);
  const catalog = useStore(store, (state) => state.nodeTypes);
  const extraErrors = useMemo(() => configErrors(problems), [problems]);
  if (node === undefined) return null;
  const descriptor = catalog.get(node.type);
  const update = (patch: Partial<Omit<GraphNode, 'id'>>, key: string) => store.getState().updateNode(nodeId, patch, key);
  const otherProblems = problems.filter((problem) => !(problem.nodePointer ?? '').startsWith('/config'));

  const onConfigChange = (formData: unknown) => {
    const config = JSON.parse(JSON.stringify(formData ?? {})) as Record<string, unknown>;
    if (JSON.stringify(config) === JSON.stringify(node.config ?? {})) return;
    update({ config }, 'config');
  };

  return (
    <section className="settings" aria-label={t('settings.title')} data-testid="node-settings">
      <dl className="settings__facts">
        <dt>{t('settings.id')}</dt>
        <dd><code>{node.id}</code></dd>
        <dt>{t('settings.type')}</dt>
        <dd><code>{node.type}</code></dd>
      </dl>
      <label>
        {t('settings.label')}
        <input
          name="label"
          value={node.label ?? ''}
          placeholder={descriptor?.displayName}
          onChange={(event) => update({ label: event.target.value === '' ? undefined : event.target.value }, 'label')}
        />
      </label>
      {otherProblems.length > 0 && (
        <ul className="settings__problems" role="alert">
          {otherProblems.map((problem, index) => (
            <li key={index}><code>{problem.pointer}</code> {problem.message}</li>
          ))}
        </ul>
      )}

      <h3>{t('settings.config')}</h3>
      {descriptor === undefined ? (
        <p className="muted">{t('settings.unknownType')}</p>
      ) : Object.keys((descriptor.configSchema.properties as object | undefined) ?? {}).length === 0 ? (
        <p className="muted">{t('settings.noConfig')}</p>
      ) : (
        <Form
          key={node.id}
          className="config-form"
          schema={descriptor.configSchema as RJSFSchema}
          uiSchema={UI_SCHEMA}
          formData={node.config ?? {}}
          validator={validator}
          extraErrors={extraErrors}
          showErrorList={false}
          noHtml5Validate
          onChange={(event) => onConfigChange(event.formData)}
        />
      )}

      <CredentialPickers node={node} descriptor={descriptor} onChange={(credentials) => update({ credentials }, 'credentials')} />

      <ExecutionSettings node={node} update={update} />
    </section>
  );
}

function ExecutionSettings({
  node,
  update,
}: {
  node: GraphNode;
  update: (patch: Partial<Omit<GraphNode, 'id'>>, key: string) => void;
}) {
  const { t } = useI18n();
  const retry = node.retry;
  const setRetry = (patch: Partial<RetryPolicy>) => {
    const next: Record<string, unknown> = { ...(retry ?? DEFAULT_RETRY), ...patch };
    for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
    update({ retry: next as unknown as RetryPolicy }, 'retry');
  };

  return (
    <fieldset className="settings__execution">
      <legend>{t('settings.execution')}</legend>
      <label className="checkbox">
        <input
          type="checkbox"
          name="retryEnabled"
          checked={retry !== undefined}
          onChange={(event) => update({ retry: event.target.checked ? DEFAULT_RETRY : undefined }, 'retry-toggle')}
        />
        {t('settings.retry')}
      </label>
      {retry !== undefined && (
        <div className="settings__retry">
          <label>
            {t('settings.maxAttempts')}
            <input
              name="maxAttempts"
              type="number"
              min={1}
              max={100}
              value={retry.maxAttempts}
              onChange={(event) => setRetry({ maxAttempts: parseOptionalInteger(event.target.value) ?? 1 })}
            />
          </label>
          <label>
            {t('settings.backoff')}
            <select name="backoff" value={retry.backoff} onChange={(event) => setRetry({ backoff: event.target.value as RetryPolicy['backoff'] })}>
              <option value="fixed">{t('settings.backoffFixed')}</option>
              <option value="exponential">{t('settings.backoffExponential')}</option>
            </select>
          </label>
          <label>
            {t('settings.delayMs')}
            <input
              name="delayMs"
              type="number"
              min={0}
              value={retry.delayMs}
              onChange={(event) => setRetry({ delayMs: parseOptionalInteger(event.target.value) ?? 0 })}
            />
          </label>
          <label>
            {t('settings.maxDelayMs')}
            <input
              name="maxDelayMs"
              type="number"
              min={0}
              value={retry.maxDelayMs ?? ''}
              onChange={(event) => setRetry({ maxDelayMs: parseOptionalInteger(event.target.value) })}
            />
          </label>
          <label className="checkbox">
            <input name="jitter" type="checkbox" checked={retry.jitter ?? false} onChange={(event) => setRetry({ jitter: event.target.checked })} />
            {t('settings.jitter')}
          </label>
        </div>
      )}
      <label>
        {t('settings.timeoutMs')}
        <input
          name="timeoutMs"
          type="number"
          min={1}
          value={node.timeoutMs ?? ''}
          onChange={(event) => update({ timeoutMs: parseOptionalInteger(event.target.value) }, 'timeout')}
        />
      </label>
      <label>
        {t('settings.join')}
        <select name="join" value={node.join ?? 'all'} onChange={(event) => update({ join: event.target.value as JoinMode }, 'join')}>
          <option value="all">{t('settings.joinAll')}</option>
          <option value="any">{t('settings.joinAny')}</option>
        </select>
      </label>
    </fieldset>
  );
}
