/**
 * `ctx.credits.topUp`: the host side of a plugin's credit top-up. A top-up mints credits, so it
 * needs three things at once: a shared plugin version (installed by an admin, or bundled) whose
 * manifest sets `permissions.topUpCredits`, and a run of a graph that an admin owns. A user's
 * own graph cannot top up, even with a shared plugin, because its input is the user's to choose.
 */
import type { CreditTopUpData, CreditTopUpResult } from '@gestorlead/sdk-plugin/plugin';
import type { Storage } from '@gestorlead/storage';
import { StudioError } from '../errors.js';
import { NodeError } from '../executor/node-type.js';

/** Maximum length of a payment id, in characters. */
const MAX_PAYMENT_ID_CHARS = 200;
/** Maximum length of a top-up's reason, in characters; longer reasons are cut. */
const MAX_REASON_CHARS = 500;

/** The part of the credit service that top-ups use. */
export interface CreditTopUps {
  topUp(userId: string, amount: number, idempotencyKey: string, reason: string): Promise<{ created: boolean; balance: number; entry: { id: string } }>;
}

/** The stores a top-up reads and writes. */
export interface CreditTopUpDependencies {
  storage: Pick<Storage, 'runs' | 'users'>;
  credits: CreditTopUps;
}

/** The call a top-up is for. */
export interface CreditTopUpScope {
  plugin: string;
  /** Whether the plugin version is shared and its manifest sets `permissions.topUpCredits`. */
  granted: boolean;
  runId: string;
}

function denied(message: string): NodeError {
  return new NodeError('PLUGIN_PERMISSION_DENIED', message, { retryable: false });
}

function invalid(message: string): NodeError {
  return new NodeError('PLUGIN_CREDITS_INVALID', message, { retryable: false });
}

/** Checks the request's fields and returns them trimmed to their limits. */
function checkRequest(request: CreditTopUpData): Required<CreditTopUpData> {
  if (typeof request.userId !== 'string' || request.userId === '') {
    throw invalid('ctx.credits.topUp needs the userId of a studio user');
  }
  if (!Number.isSafeInteger(request.credits) || request.credits <= 0) {
    throw invalid(`a top-up must be a whole number of credits above 0, got ${String(request.credits).slice(0, 40)}`);
  }
  if (typeof request.paymentId !== 'string' || request.paymentId === '' || request.paymentId.length > MAX_PAYMENT_ID_CHARS) {
    throw invalid(`ctx.credits.topUp needs a paymentId of 1 to ${MAX_PAYMENT_ID_CHARS} characters`);
  }
  if (request.reason !== undefined && typeof request.reason !== 'string') {
    throw invalid('the reason of a top-up must be a string');
  }
  return {
    userId: request.userId,
    credits: request.credits,
    paymentId: request.paymentId,
    reason: (request.reason ?? '').slice(0, MAX_REASON_CHARS),
  };
}

/**
 * Adds credits for a payment, once per plugin and payment id. Throws `PLUGIN_PERMISSION_DENIED`
 * when the plugin or the run may not top up, `PLUGIN_CREDITS_INVALID` for a malformed request
 * or a user that does not exist, and `CREDITS_IDEMPOTENCY_CONFLICT` when the payment id topped
 * up before with another user or amount.
 */
export async function topUpCredits(
  dependencies: CreditTopUpDependencies,
  scope: CreditTopUpScope,
  request: CreditTopUpData,
): Promise<CreditTopUpResult> {
  if (!scope.granted) {
    throw denied(`plugin "${scope.plugin}" may not top up credits: only shared plugin versions that declare permissions.topUpCredits may`);
  }
  const run = await dependencies.storage.runs.get(scope.runId);
  const owner = run?.ownerId == null ? null : await dependencies.storage.users.get(run.ownerId);
  if (owner === null || !owner.admin || !owner.active) {
    throw denied('credits are topped up only by runs of graphs that an active admin owns');
  }
  const checked = checkRequest(request);
  const reason = checked.reason === '' ? `${scope.plugin} payment ${checked.paymentId}` : checked.reason;
  try {
    const result = await dependencies.credits.topUp(checked.userId, checked.credits, `${scope.plugin}:${checked.paymentId}`, reason);
    return { created: result.created, balance: result.balance, entryId: result.entry.id };
  } catch (error) {
    if (error instanceof StudioError && error.code === 'USER_NOT_FOUND') {
      throw invalid(`no studio user has the id "${checked.userId.slice(0, 100)}"`);
    }
    if (error instanceof StudioError) {
      throw new NodeError(error.code, error.message, { retryable: false });
    }
    throw error;
  }
}
