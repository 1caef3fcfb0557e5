import type { NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import type { NodeType, NodeTypeRegistry } from './node-type.js';

/** Strips `execute` so only the plain descriptor leaves the process. */
export function describeNodeType(nodeType: NodeType): NodeTypeDescriptor {
  const { execute: _execute, ...descriptor } = nodeType;
  return descriptor;
}

/** A registry held in memory. Sources (built-ins, the plugin host) add and remove types. */
export class InMemoryNodeTypeRegistry implements NodeTypeRegistry {
  readonly #types = new Map<string, NodeType>();

  constructor(types: Iterable<NodeType> = []) {
    for (const nodeType of types) this.add(nodeType);
  }

  add(nodeType: NodeType): void {
    if (this.#types.has(nodeType.type)) {
      throw new Error(`node type "${nodeType.type}" is already registered`);
    }
    this.#types.set(nodeType.type, nodeType);
  }

  remove(type: string): boolean {
    return this.#types.delete(type);
  }

  get(type: string): NodeType | undefined {
    return this.#types.get(type);
  }

  list(): NodeTypeDescriptor[] {
    return [...this.#types.values()].map(describeNodeType);
  }
}
