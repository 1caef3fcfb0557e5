/** Description of a node type as the registry, the executor and the builder see it. */

/** A named input or output of a node. `schema` is the JSON Schema of the value it carries. */
export interface PortSpec {
  name: string;
  displayName?: string;
  schema?: Record<string, unknown>;
}

/** Credit cost declared by an action: `fixed` per call plus `perUnit` per reported unit. */
export interface CreditCost {
  fixed?: number;
  perUnit?: number;
  unit?: string;
  /** The units one call uses at most, reserved before the call. */
  maxUnits?: number;
}

/**
 * A node type: `type` is `<plugin>/<action>@<major>`. Plain data, so it travels over HTTP to
 * the builder and across the sandbox boundary unchanged.
 */
export interface NodeTypeDescriptor {
  type: string;
  displayName: string;
  description?: string;
  group?: string;
  configSchema: Record<string, unknown>;
  inputs: PortSpec[];
  outputs: PortSpec[];
  /**
   * Output ports that come from the node's config, added to `outputs`: one port per item of
   * the array at `path` (a JSON pointer into the config), named by the item's `key` property.
   * A multi-way condition declares `{ path: '/cases', key: 'port' }`.
   */
  outputsFromConfig?: { path: string; key: string };
  credits?: CreditCost;
}
