/** Prices after the operator's settings, and the whole credits a call costs. */
import { describe, expect, it } from 'vitest';
import { costOf, holdOf, priceOf } from '../../src/credits/pricing.js';
import { loadCreditSettings, parsePricing } from '../../src/credits/settings.js';

const DECLARED = { fixed: 2, perUnit: 0.07, unit: 'token', maxUnits: 100 };

describe('priceOf', () => {
  it('uses the manifest price without settings', () => {
    const settings = loadCreditSettings({});

    const price = priceOf(settings, 'llm/complete@1', DECLARED, false);

    expect(price).toEqual({ fixed: 2, perUnit: 0.07, unit: 'token', maxUnits: 100, ownCredential: false });
    expect(holdOf(price!)).toBe(9);
    expect(costOf(price!, 100)).toBe(9);
    expect(costOf(price!, 0)).toBe(2);
  });

  it('prices an action with the user credential separately', () => {
    const settings = loadCreditSettings({
      CREDITS_PRICING: JSON.stringify({ 'llm/*': { multiplier: 3, ownCredential: { fixed: 1, perUnit: 0, multiplier: 1 } } }),
    });

    const platform = priceOf(settings, 'llm/complete@1', DECLARED, false);
    const own = priceOf(settings, 'llm/complete@1', DECLARED, true);

    expect(platform).toMatchObject({ fixed: 6, maxUnits: 100, ownCredential: false });
    expect(platform!.perUnit).toBeCloseTo(0.21, 10);
    expect(own).toEqual({ fixed: 1, perUnit: 0, unit: 'token', maxUnits: 0, ownCredential: true });
  });

  it('prefers the node type entry over the plugin entry', () => {
    const settings = loadCreditSettings({
      CREDITS_PRICING: JSON.stringify({ 'llm/*': { fixed: 5 }, 'llm/complete@1': { fixed: 4, maxUnits: 10 } }),
      CREDITS_MULTIPLIER: '2',
    });

    expect(priceOf(settings, 'llm/complete@1', DECLARED, false)).toMatchObject({ fixed: 8, maxUnits: 10 });
    expect(priceOf(settings, 'llm/other@1', DECLARED, false)).toMatchObject({ fixed: 10, maxUnits: 100 });
  });

  it('returns null for free nodes', () => {
    const settings = loadCreditSettings({ CREDITS_PRICING: JSON.stringify({ 'llm/complete@1': { multiplier: 0 } }) });

    expect(priceOf(settings, 'core/noop@1', undefined, false)).toBeNull();
    expect(priceOf(settings, 'llm/complete@1', DECLARED, false)).toBeNull();
  });

  it('reserves the default units when the action declares no maximum', () => {
    const settings = loadCreditSettings({ CREDITS_DEFAULT_MAX_UNITS: '250' });

    const price = priceOf(settings, 'llm/complete@1', { perUnit: 0.1, unit: 'token' }, false);

    expect(price!.maxUnits).toBe(250);
    expect(holdOf(price!)).toBe(25);
  });
});

describe('costOf', () => {
  const price = { fixed: 0, perUnit: 0.07, unit: 'token', maxUnits: 0, ownCredential: false };

  it('rounds up to whole credits without floating-point noise', () => {
    expect(0.07 * 100).toBeGreaterThan(7);
    expect(costOf(price, 100)).toBe(7);
    expect(costOf(price, 101)).toBe(8);
    expect(costOf(price, 0)).toBe(0);
    expect(costOf({ ...price, fixed: 0.3 }, 0)).toBe(1);
  });

  it('caps the cost at the largest safe integer', () => {
    expect(costOf(price, Number.MAX_VALUE)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('credit settings', () => {
  it.each([
    ['{', /CREDITS_PRICING must be a JSON object/],
    ['[]', /keyed by node type/],
    ['{"LLM/x@1": {}}', /the key must be a node type/],
    ['{"llm/*": {"fixed": -1}}', /CREDITS_PRICING\["llm\/\*"\]\.fixed must be a number from 0/],
    ['{"llm/*": {"price": 1}}', /unknown field "price"/],
    ['{"llm/*": {"ownCredential": {"maxUnits": 1}}}', /ownCredential has the unknown field "maxUnits"/],
    ['{"llm/*": {"maxUnits": "ten"}}', /maxUnits must be a finite number/],
  ])('rejects CREDITS_PRICING %s', (raw, message) => {
    expect(() => parsePricing(raw)).toThrow(message);
  });

  it('rejects invalid variables with their name', () => {
    expect(() => loadCreditSettings({ CREDITS_ENABLED: 'yes' })).toThrow(/CREDITS_ENABLED must be "true" or "false"/);
    expect(() => loadCreditSettings({ CREDITS_MULTIPLIER: '-1' })).toThrow(/CREDITS_MULTIPLIER must be a number/);
  });
});
