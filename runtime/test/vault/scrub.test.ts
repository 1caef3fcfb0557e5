import { describe, expect, it } from 'vitest';
import { NodeError } from '../../src/executor/node-type.js';
import { secretStringsOf } from '../../src/vault/credential-contents.js';
import { MIN_SCRUBBED_LENGTH, REDACTED, SecretScrubber } from '../../src/vault/scrub.js';

const SECRET = 'sk-live-"quoted"/plus+&';

describe('secret scrubber', () => {
  it('replaces raw, escaped and encoded forms', () => {
    const scrubber = new SecretScrubber([SECRET]);
    const once = JSON.stringify({ token: SECRET });
    const twice = JSON.stringify({ body: once });

    expect(scrubber.scrubText(`key ${SECRET} end`)).toBe(`key ${REDACTED} end`);
    expect(scrubber.scrubText(once)).not.toContain('sk-live');
    expect(scrubber.scrubText(twice)).not.toContain('sk-live');
    expect(scrubber.scrubText(`?key=${encodeURIComponent(SECRET)}`)).toBe(`?key=${REDACTED}`);
  });

  it('scrubs nested values and keys without changing the input', () => {
    const scrubber = new SecretScrubber(['abcdef123']);
    const value = { list: ['x abcdef123 y', 7, null], ['abcdef123']: { json: '{"t":"abcdef123"}' } };

    const scrubbed = scrubber.scrub(value);

    expect(scrubbed).toEqual({ list: [`x ${REDACTED} y`, 7, null], [REDACTED]: { json: `{"t":"${REDACTED}"}` } });
    expect(value.list[0]).toBe('x abcdef123 y');
  });

  it('leaves short values alone', () => {
    const short = 'a'.repeat(MIN_SCRUBBED_LENGTH - 1);
    const scrubber = new SecretScrubber([short]);

    expect(scrubber.isEmpty).toBe(true);
    expect(scrubber.scrubText(`say ${short}`)).toBe(`say ${short}`);
  });

  it('replaces the longer of overlapping secrets whole', () => {
    const scrubber = new SecretScrubber(['secret-1', 'secret-1-extended']);

    expect(scrubber.scrubText('secret-1-extended')).toBe(REDACTED);
  });

  it('scrubs errors and keeps their code', () => {
    const scrubber = new SecretScrubber(['hunter2-password']);

    const scrubbed = scrubber.scrubError(
      new NodeError('MAILER_FAILED', 'login hunter2-password refused', { retryable: true, details: { tried: 'hunter2-password' } }),
    ) as NodeError;

    expect(scrubbed.code).toBe('MAILER_FAILED');
    expect(scrubbed.retryable).toBe(true);
    expect(scrubbed.message).toBe(`login ${REDACTED} refused`);
    expect(scrubbed.details).toEqual({ tried: REDACTED });
  });

  it('scrubs thrown strings', () => {
    const scrubber = new SecretScrubber(['hunter2-password']);

    const scrubbed = scrubber.scrubError('hunter2-password') as NodeError;

    expect(scrubbed.code).toBe('RUNTIME_NODE_FAILED');
    expect(scrubbed.message).not.toContain('hunter2');
  });
});

describe('secret strings', () => {
  it('skip listed choices and token metadata', () => {
    const type = {
      name: 'api',
      displayName: 'API',
      schema: { type: 'object', properties: { mode: { enum: ['bearer', 'basic'] }, token: { type: 'string' } } },
      oauth2: { authorizationUrl: 'https://a.example/auth', tokenUrl: 'https://a.example/token' },
    };

    const secrets = secretStringsOf(
      { mode: 'bearer', token: 'tok-123456', extra: ['x-1', 'y-2'], accessToken: 'at-123456', tokenType: 'bearer', scopes: ['read'] },
      type,
    );

    expect(secrets.sort()).toEqual(['at-123456', 'tok-123456', 'x-1', 'y-2']);
  });
});
