import type { NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import type { NodeType, NodeTypeRegistry } from '../executor/node-type.js';

/**
 * A view of a registry that shows only the node types `isVisible` accepts, so the types of
 * another user's private plugin look unknown to graph validation, estimates and the executor.
 */
export class VisibleNodeTypes implements NodeTypeRegistry {
  readonly #registry: NodeTypeRegistry;
  readonly #isVisible: (type: string) => boolean;

  constructor(registry: NodeTypeRegistry, isVisible: (type: string) => boolean) {
    this.#registry = registry;
    this.#isVisible = isVisible;
  }

  get(type: string): NodeType | undefined {
    const nodeType = this.#registry.get(type);
    return nodeType !== undefined && this.#isVisible(type) ? nodeType : undefined;
  }

  list(): NodeTypeDescriptor[] {
    return this.#registry.list().filter((descriptor) => this.#isVisible(descriptor.type));
  }
}
