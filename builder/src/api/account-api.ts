/**
 * Typed calls of the account routes: credits and their ledger, API keys, plugin packages,
 * credentials and the admin credit grant. They live apart from `StudioApi` so the editor's
 * calls and these grow independently.
 */
import { ApiError } from './api-error';
import type { ApiClient } from './client';

/** Ledger entry kinds, as the runtime stores them. */
export type LedgerKind = 'topup' | 'reserve' | 'capture' | 'release' | 'refund' | 'adjustment';

/** One change of a user's balance. */
export interface LedgerEntry {
  id: string;
  kind: LedgerKind;
  /** Signed change of the available balance, in whole credits. */
  delta: number;
  amount: number;
  runId: string | null;
  taskId: string | null;
  reason: string | null;
  createdAt: string;
}

/** `GET /v1/credits`: the balance and one page of the ledger, newest first. */
export interface CreditsPage {
  balance: number;
  held: number;
  history: { items: LedgerEntry[]; nextCursor: string | null };
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A node type or trigger that a plugin version provides. */
export interface ProvidedType {
  type: string;
  displayName: string;
}

/** One installed plugin version, as `GET /v1/plugins/:name/:version` returns it. */
export interface PluginVersionDetail {
  name: string;
  version: string;
  visibility: 'private' | 'shared';
  displayName: string;
  installedAt: string;
  nodeTypes: ProvidedType[];
  manifest: {
    description: string;
    permissions: { hosts: string[] };
    credentialTypes: { name: string; displayName: string }[];
  };
}

/** `POST /v1/plugins/inspect`: what a package declares, checked as an install would check it. */
export interface PackageInspection {
  plugin: { name: string; version: string };
  displayName: string;
  description: string;
  sha256: string;
  visibility: 'private' | 'shared';
  hosts: string[];
  credentialTypes: { name: string; displayName: string }[];
  nodeTypes: ProvidedType[];
  triggers: ProvidedType[];
}

/** A credential type of an installed plugin, with the JSON Schema of its values. */
export interface CredentialType {
  type: string;
  displayName: string;
  description: string | null;
  schema: Record<string, unknown>;
  oauth2: { scopes: string[]; pkce: boolean; configured: boolean } | null;
  testable: boolean;
}

/** A stored credential; its values never leave the server. */
export interface CredentialView {
  id: string;
  name: string;
  type: string;
  createdAt: string;
  updatedAt: string;
  oauth2?: { expiresAt: string | null; scopes: string[] | null; refreshable: boolean };
}

/** A credit package that the studio sells through Asaas. */
export interface CreditPackage {
  id: string;
  displayName: string;
  credits: number;
  /** Price in the smallest unit of `currency` (cents). */
  priceCents: number;
  currency: string;
}

/** Payment methods of `POST /v1/billing/checkout`, as Asaas names its billing types. */
export const PAYMENT_METHODS = ['PIX', 'BOLETO', 'CREDIT_CARD'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** The charge of a checkout: where to pay it and, for PIX, the code and QR image. */
export interface CheckoutResult {
  paymentId: string;
  status: string;
  method: PaymentMethod;
  packageId: string;
  credits: number;
  value: number;
  dueDate: string;
  invoiceUrl: string | null;
  bankSlipUrl: string | null;
  pix: { payload: string; expirationDate: string | null; image: string | null } | null;
}

export interface AdminUserView {
  id: string;
  email: string;
  fullName: string;
}

function isRouteMissing(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.code === 'ROUTE_NOT_FOUND';
}

function isBillingMissing(error: unknown): boolean {
  return isRouteMissing(error) || (error instanceof ApiError && error.code === 'BILLING_NOT_CONFIGURED');
}

const path = encodeURIComponent;

export class AccountApi {
  readonly client: ApiClient;

  constructor(client: ApiClient) {
    this.client = client;
  }

  /** Fetches the balance and one ledger page, or null on a studio without the credits routes. */
  async credits(cursor: string | null, limit = 50): Promise<CreditsPage | null> {
    const query = new URLSearchParams({ limit: String(limit), days: '1' });
    if (cursor !== null) query.set('cursor', cursor);
    try {
      return await this.client.request<CreditsPage>(`/v1/credits?${query}`);
    } catch (error) {
      if (isRouteMissing(error)) return null;
      throw error;
    }
  }

  /** Fetches the credit packages on sale, or null when the studio does not sell credits. */
  async creditPackages(): Promise<CreditPackage[] | null> {
    try {
      return (await this.client.request<{ items: CreditPackage[] }>('/v1/billing/packages')).items;
    } catch (error) {
      if (isBillingMissing(error)) return null;
      throw error;
    }
  }

  /** Creates the Asaas charge of a package for the signed-in user. */
  checkout(input: { packageId: string; method: PaymentMethod; cpfCnpj: string }): Promise<CheckoutResult> {
    return this.client.request('/v1/billing/checkout', { method: 'POST', body: input });
  }

  async adminUsers(): Promise<AdminUserView[]> {
    return (await this.client.request<{ items: AdminUserView[] }>('/v1/admin/users?limit=200')).items;
  }

  grantCredits(userId: string, input: { amount: number; reason: string; idempotencyKey: string }): Promise<unknown> {
    return this.client.request(`/v1/admin/users/${path(userId)}/credits`, { method: 'POST', body: input });
  }

  async apiKeys(): Promise<ApiKeyView[]> {
    return (await this.client.request<{ items: ApiKeyView[] }>('/v1/api-keys')).items;
  }

  createApiKey(input: { name: string; expiresInDays?: number }): Promise<ApiKeyView & { key: string }> {
    return this.client.request('/v1/api-keys', { method: 'POST', body: input });
  }

  revokeApiKey(id: string): Promise<void> {
    return this.client.request(`/v1/api-keys/${path(id)}`, { method: 'DELETE' });
  }

  async plugins(): Promise<{ name: string; versions: { version: string }[] }[]> {
    return (await this.client.request<{ items: { name: string; versions: { version: string }[] }[] }>('/v1/plugins')).items;
  }

  pluginVersion(name: string, version: string): Promise<PluginVersionDetail> {
    return this.client.request(`/v1/plugins/${path(name)}/${path(version)}`);
  }

  inspectPackage(pluginPackage: unknown): Promise<PackageInspection> {
    return this.client.request('/v1/plugins/inspect', { method: 'POST', body: pluginPackage });
  }

  installPackage(pluginPackage: unknown): Promise<{ plugin: { name: string; version: string } }> {
    return this.client.request('/v1/plugins', { method: 'POST', body: pluginPackage });
  }

  uninstallPlugin(name: string, version: string): Promise<void> {
    return this.client.request(`/v1/plugins/${path(name)}/${path(version)}`, { method: 'DELETE' });
  }

  async credentialTypes(): Promise<CredentialType[]> {
    return (await this.client.request<{ items: CredentialType[] }>('/v1/credential-types')).items;
  }

  async credentials(): Promise<CredentialView[]> {
    return (await this.client.request<{ items: CredentialView[] }>('/v1/credentials')).items;
  }

  createCredential(input: { type: string; name: string; values: unknown }): Promise<CredentialView> {
    return this.client.request('/v1/credentials', { method: 'POST', body: input });
  }

  renameCredential(id: string, name: string): Promise<CredentialView> {
    return this.client.request(`/v1/credentials/${path(id)}`, { method: 'PATCH', body: { name } });
  }

  deleteCredential(id: string): Promise<void> {
    return this.client.request(`/v1/credentials/${path(id)}`, { method: 'DELETE' });
  }

  testCredential(id: string): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
    return this.client.request(`/v1/credentials/${path(id)}/test`, { method: 'POST', body: {} });
  }

  /**
   * Starts an OAuth2 connection. The reply sets a cookie that the browser sends back to the
   * callback in the pop-up. The runtime sends no CORS headers for this route, so the builder
   * reaches it on its own origin: served by the runtime, or through the dev server's proxy.
   */
  startOAuth2(input: { type: string; name: string; values?: unknown }): Promise<{ authorizationUrl: string; state: string }> {
    return this.client.request('/v1/credentials/oauth2/start', { method: 'POST', body: input, credentials: 'include' });
  }
}
