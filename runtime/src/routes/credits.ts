import { LEDGER_KINDS, type LedgerEntry, type LedgerKind } from '@gestorlead/storage';
import type { FastifyInstance } from 'fastify';
import { isOwnedBy, loadOwnedVersion, nodeTypesOf } from '../auth/ownership.js';
import { requireAdmin, requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';
import { estimateRun } from '../credits/estimate.js';
import { StudioError } from '../errors.js';
import { graphIdParams, ID_PATTERN, idParams, versionNumber } from './schemas.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Days of the spend series when the request names none. */
const DEFAULT_SPEND_DAYS = 30;
const MAX_SPEND_DAYS = 366;
const MAX_REASON_LENGTH = 500;
const MAX_KEY_LENGTH = 200;

/** Encodes the position after a ledger entry as an opaque `cursor` for the next page. */
function encodeLedgerCursor(entry: LedgerEntry): string {
  return Buffer.from(JSON.stringify([entry.createdAt, entry.id])).toString('base64url');
}

function decodeLedgerCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && typeof decoded[0] === 'string' && typeof decoded[1] === 'string') {
      return { createdAt: decoded[0], id: decoded[1] };
    }
  } catch {
    // An undecodable cursor is reported below like a malformed one.
  }
  throw new StudioError('REQUEST_INVALID', 'cursor is not one returned as nextCursor by this route', {
    problems: [{ pointer: '/querystring/cursor', message: 'must be a nextCursor value from a previous page' }],
  });
}

/**
 * Returns one value per UTC day from `days - 1` days ago to today, oldest first, with 0 for
 * days without spending, so a chart gets every day of the window.
 */
function dailySeries(usage: { day: string; credits: number }[], days: number, now: Date): { day: string; credits: number }[] {
  const byDay = new Map(usage.map((entry) => [entry.day, entry.credits]));
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const series: { day: string; credits: number }[] = [];
  for (let offset = days - 1; offset >= 0; offset -= 1) {
    const day = new Date(today - offset * DAY_MS).toISOString().slice(0, 10);
    series.push({ day, credits: byDay.get(day) ?? 0 });
  }
  return series;
}

/** Registers the routes of credit estimates, the signed-in user's credits, and admin adjustments. */
export async function creditRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.get('/v1/graphs/:id/estimate', {
    schema: {
      tags: ['credits'],
      summary: 'Estimate the credits one run of a version (the latest by default) costs',
      params: graphIdParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { version: versionNumber },
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const { version } = request.query as { version?: number };
    const { record } = await loadOwnedVersion(ctx, request, id, version, '/querystring/version');
    const nodeTypes = nodeTypesOf(ctx, request);
    const estimate = estimateRun(record.document, {
      nodeType: (type) => nodeTypes.get(type),
      price: (node, descriptor) => ctx.credits.priceOfNode(node, descriptor),
    });
    return { graphId: id, version: record.version, charged: ctx.credits.enabled, ...estimate };
  });

  app.get('/v1/credits', {
    schema: {
      tags: ['credits'],
      summary: "The signed-in user's balance, held credits, ledger history (newest first) and daily spending",
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          cursor: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' },
          kind: {
            anyOf: [
              { type: 'string', enum: [...LEDGER_KINDS] },
              { type: 'array', items: { type: 'string', enum: [...LEDGER_KINDS] } },
            ],
          },
          days: { type: 'integer', minimum: 1, maximum: MAX_SPEND_DAYS, default: DEFAULT_SPEND_DAYS },
        },
      },
    },
  }, async (request) => {
    const principal = requirePrincipal(request);
    const query = request.query as { limit: number; cursor?: string; kind?: LedgerKind | LedgerKind[]; days: number };
    const position = query.cursor === undefined ? undefined : decodeLedgerCursor(query.cursor);
    const kinds = query.kind === undefined ? undefined : ([] as LedgerKind[]).concat(query.kind);
    const { balance, held } = await ctx.credits.balanceOf(principal.userId);
    const items = await ctx.storage.ledger.list(principal.userId, {
      limit: query.limit,
      before: position?.createdAt,
      beforeId: position?.id,
      kinds,
    });
    const last = items[items.length - 1];
    const nextCursor = items.length === query.limit && last ? encodeLedgerCursor(last) : null;
    const now = new Date();
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (query.days - 1) * DAY_MS);
    const usage = await ctx.storage.ledger.dailyUsage(principal.userId, since.toISOString());
    return { balance, held, history: { items, nextCursor }, daily: dailySeries(usage, query.days, now) };
  });

  app.post('/v1/admin/users/:id/credits', {
    schema: {
      tags: ['credits'],
      summary: "Adjust or refund a user's credits (admin); the same idempotency key stores one change",
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['amount', 'reason', 'idempotencyKey'],
        properties: {
          amount: { type: 'integer', minimum: -1e12, maximum: 1e12 },
          reason: { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH, pattern: '\\S' },
          idempotencyKey: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH },
          kind: { type: 'string', enum: ['adjustment', 'refund'], default: 'adjustment' },
          runId: { type: 'string', pattern: ID_PATTERN },
          allowNegative: { type: 'boolean', default: false },
        },
      },
    },
  }, async (request, reply) => {
    const principal = requireAdmin(request);
    const { id } = request.params as { id: string };
    const body = request.body as {
      amount: number;
      reason: string;
      idempotencyKey: string;
      kind: 'adjustment' | 'refund';
      runId?: string;
      allowNegative: boolean;
    };
    // The entry shows up in the user's history, so it may name only a run of that user.
    if (body.runId !== undefined && !isOwnedBy((await ctx.storage.runs.get(body.runId))?.ownerId ?? null, id)) {
      throw new StudioError('RUN_NOT_FOUND', `user "${id}" has no run "${body.runId}"`, {
        problems: [{ pointer: '/body/runId', message: 'matches no run of this user' }],
      });
    }
    // Checked here rather than with `not: { const: 0 }`, whose Ajv message is "must NOT be valid".
    if (body.amount === 0) {
      throw new StudioError('REQUEST_INVALID', 'request is invalid: /body/amount must not be 0; send a positive amount to add credits or a negative one to take them', {
        problems: [{ pointer: '/body/amount', message: 'must not be 0' }],
      });
    }
    if (body.kind === 'refund' && body.amount < 0) {
      throw new StudioError('REQUEST_INVALID', `a refund gives credits back, so its amount must be above 0, got ${body.amount}`, {
        problems: [{ pointer: '/body/amount', message: 'must be above 0 for a refund' }],
      });
    }
    const result = await ctx.credits.adjust({
      userId: id,
      amount: body.amount,
      kind: body.kind,
      reason: body.reason,
      idempotencyKey: body.idempotencyKey,
      actorId: principal.userId,
      runId: body.runId ?? null,
      allowNegative: body.allowNegative,
    });
    return reply.status(result.created ? 201 : 200).send(result);
  });
}
