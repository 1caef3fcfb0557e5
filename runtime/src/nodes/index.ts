import type { NodeType } from '../executor/node-type.js';
import { conditionNode } from './condition.js';
import { delayNode } from './delay.js';
import { mergeNode } from './merge.js';
import { noopNode } from './noop.js';
import { respondNode } from './respond.js';

/** The control-flow node types built into the runtime. */
export const BUILT_IN_NODE_TYPES: readonly NodeType[] = [
  conditionNode,
  mergeNode,
  delayNode,
  respondNode,
  noopNode,
];
