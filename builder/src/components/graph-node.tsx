/** The node boxes of the canvas: known node types with their ports, and a placeholder for unknown ones. */
import type { GraphNode as DocumentNode, NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { ERROR_PORT } from '../graph/connection-check';
import { useI18n } from '../i18n/i18n';
import { useNodeStatus } from '../store/run-store';
import { countRender } from './render-count';

/** Data of a canvas node: the document node, its type and what the canvas marks on it. */
export interface GraphNodeData extends Record<string, unknown> {
  node: DocumentNode;
  /** Undefined when no installed plugin provides the node's type. */
  descriptor: NodeTypeDescriptor | undefined;
  inputs: string[];
  outputs: string[];
  /** Messages of the problems `validateGraph` found on this node. */
  problems: string[];
}

export type CanvasNode = Node<GraphNodeData, 'graph'>;

const PORT_ROW_PX = 22;

function PortRow({ name, side, label }: { name: string; side: 'input' | 'output'; label: string }) {
  return (
    <div className={`port port--${side}`} style={{ height: PORT_ROW_PX }}>
      <Handle
        id={name}
        type={side === 'input' ? 'target' : 'source'}
        position={side === 'input' ? Position.Left : Position.Right}
        className="port__handle"
        data-port={name}
      />
      <span className="port__label">{label}</span>
    </div>
  );
}

function GraphNodeView({ data, selected }: NodeProps<CanvasNode>) {
  const { t } = useI18n();
  const { node, descriptor, inputs, outputs, problems } = data;
  const status = useNodeStatus(node.id);
  countRender(`node:${node.id}`);
  const known = descriptor !== undefined;
  const classes = ['graph-node'];
  if (!known) classes.push('graph-node--unknown');
  if (selected) classes.push('graph-node--selected');
  if (problems.length > 0) classes.push('graph-node--problem');
  if (status !== null) classes.push(`graph-node--${status}`);
  const statusLabel = status === null ? undefined : t(`status.${status}`);
  const portLabel = (ports: NodeTypeDescriptor['inputs'] | undefined, name: string) =>
    ports?.find((port) => port.name === name)?.displayName ?? name;

  return (
    <div
      className={classes.join(' ')}
      data-testid={`node-${node.id}`}
      data-node-id={node.id}
      data-status={status ?? ''}
      data-problems={problems.length}
      title={problems.length > 0 ? problems.join('\n') : undefined}
    >
      <div className="graph-node__head">
        <span className="graph-node__title">{node.label ?? descriptor?.displayName ?? t('node.unknown')}</span>
        {/* A fixed-size dot whose colour comes from the node's status class: a status change
            alters only attributes, so Chromium repaints the node without laying it out again. */}
        <span
          className="graph-node__status"
          data-testid="node-status"
          role={status === null ? undefined : 'img'}
          aria-label={statusLabel}
          aria-hidden={status === null ? true : undefined}
          title={statusLabel}
        />
      </div>
      <div className="graph-node__meta">
        <code>{node.id}</code>
        {!known && <span className="graph-node__type">{node.type}</span>}
      </div>
      {!known && <p className="graph-node__unknown">{t('node.unknownHelp', { type: node.type })}</p>}
      {problems.length > 0 && (
        <div className="graph-node__problems" role="note">
          ⚠ {t('node.problems', { count: problems.length })}
        </div>
      )}
      <div className="graph-node__ports">
        <div>
          {inputs.map((name) => (
            <PortRow key={name} name={name} side="input" label={portLabel(descriptor?.inputs, name)} />
          ))}
        </div>
        <div>
          {outputs.map((name) => (
            <PortRow key={name} name={name} side="output" label={portLabel(descriptor?.outputs, name)} />
          ))}
          <PortRow name={ERROR_PORT} side="output" label={t('node.errorPort')} />
        </div>
      </div>
    </div>
  );
}

/** Node components by React Flow node type; every canvas node uses `graph`. */
export const NODE_COMPONENTS = { graph: memo(GraphNodeView) };
