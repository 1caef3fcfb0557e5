/**
 * The operator's billing settings, read from the environment: the credit packages users may buy
 * (`BILLING_PACKAGES`) and the Asaas credential of an admin that charges them
 * (`BILLING_ASAAS_CREDENTIAL_ID`). Billing is configured when both are set.
 */
import { Ajv } from 'ajv';

/** A credit package: credits sold for a fixed price in BRL. */
export interface BillingPackage {
  /** Stable id, sent by `POST /v1/billing/checkout` and stored in each charge. */
  id: string;
  displayName: string;
  /** Credits added when a charge of this package is paid. */
  credits: number;
  /** Price in centavos (1/100 BRL). */
  priceCents: number;
}

/** Billing settings of a studio. */
export interface BillingSettings {
  /** Packages in the order the operator listed them; empty when `BILLING_PACKAGES` is unset. */
  packages: BillingPackage[];
  /**
   * Id of an `asaas/asaasApi` credential of an active admin. Checkout runs and the top-up graph
   * belong to that admin and use the credential. Null when `BILLING_ASAAS_CREDENTIAL_ID` is unset.
   */
  credentialId: string | null;
}

/** Package ids: lowercase letters, digits and dashes, because they are part of a charge's `externalReference`. */
const PACKAGE_ID = '^[a-z0-9][a-z0-9-]{0,39}$';
const MAX_PACKAGES = 50;
/** Asaas rejects charges below R$ 5.00 with the error code `invalid_value`. */
const MIN_PRICE_CENTS = 500;

const PACKAGES_SCHEMA = {
  type: 'array',
  maxItems: MAX_PACKAGES,
  items: {
    type: 'object',
    required: ['id', 'displayName', 'credits', 'priceCents'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: PACKAGE_ID },
      displayName: { type: 'string', minLength: 1, maxLength: 100 },
      credits: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
      priceCents: { type: 'integer', minimum: MIN_PRICE_CENTS, maximum: 100_000_000 },
    },
  },
} as const;

const validatePackages = new Ajv({ allErrors: true, strict: true }).compile<BillingPackage[]>(PACKAGES_SCHEMA);

/**
 * Parses and checks `BILLING_PACKAGES`, a JSON array of `{ id, displayName, credits, priceCents }`.
 * Throws an Error that names each invalid value by its JSON pointer, such as
 * `BILLING_PACKAGES/0/credits must be integer`.
 */
export function parseBillingPackages(raw: string | undefined): BillingPackage[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`BILLING_PACKAGES must be a JSON array of packages: ${(error as Error).message}`);
  }
  if (!validatePackages(parsed)) {
    const problems = (validatePackages.errors ?? []).map((error) => `BILLING_PACKAGES${error.instancePath} ${error.message ?? 'is invalid'}`);
    throw new Error(`BILLING_PACKAGES is invalid: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  parsed.forEach((item, index) => {
    if (seen.has(item.id)) throw new Error(`BILLING_PACKAGES/${index}/id repeats the package id "${item.id}"`);
    seen.add(item.id);
  });
  return parsed;
}

/** Reads the billing settings from `env`; throws with the variable's name on an invalid value. */
export function loadBillingSettings(env: NodeJS.ProcessEnv): BillingSettings {
  const credentialId = env.BILLING_ASAAS_CREDENTIAL_ID?.trim();
  return {
    packages: parseBillingPackages(env.BILLING_PACKAGES),
    credentialId: credentialId === undefined || credentialId === '' ? null : credentialId,
  };
}
