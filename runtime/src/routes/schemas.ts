/** JSON Schema fragments shared by route definitions. */

/** Ids the studio generates: a prefix, an underscore and base64url characters. */
export const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

export const graphIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: ID_PATTERN } },
} as const;

export const idParams = graphIdParams;

export const versionNumber = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;

export const RUN_STATUS_VALUES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
