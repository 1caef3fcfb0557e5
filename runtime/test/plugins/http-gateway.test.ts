import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonPublicRange, parseAddress, PrivateAddressAllowList } from '../../src/plugins/address-policy.js';
import { HttpGateway, type HostResolver, type HttpPolicy, type ResolvedAddress } from '../../src/plugins/http-gateway.js';
import { sendJson, startLocalServer, type LocalServer } from './support/local-server.js';

/** Host names of the tests resolve to loopback addresses only, through this table. */
function tableResolver(table: Record<string, string[]>, calls: string[] = []): HostResolver {
  return async (hostname) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): ResolvedAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const POLICY: HttpPolicy = { plugin: 'tester', hosts: ['api.allowed.test', '*.wild.test'], anyHost: false };

let server: LocalServer;
let other: LocalServer;

beforeAll(async () => {
  other = await startLocalServer((_request, response) => sendJson(response, 200, { server: 'other' }));
  server = await startLocalServer(async (request, response) => {
    const url = new URL(request.url, 'http://localhost');
    switch (url.pathname) {
      case '/json':
        return sendJson(response, 200, { ok: true, query: Object.fromEntries(url.searchParams) });
      case '/echo':
        return sendJson(response, 200, { method: request.method, headers: request.headers, body: request.body });
      case '/text':
        response.writeHead(200, { 'content-type': 'text/plain' });
        return void response.end('plain text');
      case '/bytes':
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        return void response.end(Buffer.from([0, 1, 2, 255]));
      case '/bad-json':
        response.writeHead(200, { 'content-type': 'application/json' });
        return void response.end('{ not json');
      case '/status':
        return sendJson(response, Number(url.searchParams.get('code')), { status: 'as asked' });
      case '/large':
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5000' });
        return void response.end('x'.repeat(5000));
      case '/large-chunked':
        response.writeHead(200, { 'content-type': 'text/plain' });
        for (let index = 0; index < 10; index += 1) response.write('y'.repeat(1000));
        return void response.end();
      case '/slow':
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return sendJson(response, 200, { late: true });
      case '/redirect':
        response.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/json' });
        return void response.end();
      case '/loop':
        response.writeHead(302, { location: `/loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}` });
        return void response.end();
      default:
        return sendJson(response, 404, { missing: url.pathname });
    }
  });
});

afterAll(async () => {
  await server.close();
  await other.close();
});

function gateway(options: { allow?: string[]; table?: Record<string, string[]>; calls?: string[]; maxBytes?: number; timeoutMs?: number } = {}) {
  return new HttpGateway({
    allowPrivate: options.allow ?? [`127.0.0.1:${server.port}`],
    timeoutMs: options.timeoutMs ?? 5_000,
    maxResponseBytes: options.maxBytes ?? 1_000_000,
    resolve: tableResolver(
      options.table ?? {
        'api.allowed.test': ['127.0.0.1'],
        'eu.api.wild.test': ['127.0.0.1'],
        'wild.test': ['127.0.0.1'],
        'other.test': ['127.0.0.1'],
      },
      options.calls,
    ),
  });
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string; details?: any }> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, 'the request should have failed').toBeDefined();
  return error as { code: string; retryable: boolean; message: string; details?: unknown };
}

const signal = () => new AbortController().signal;

describe('allowlist', () => {
  it('reaches an allowed host', async () => {
    const response = await gateway().request(POLICY, { url: `http://api.allowed.test:${server.port}/json`, query: { a: 1, b: true } }, signal());

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, query: { a: '1', b: 'true' } });
    expect(response.url).toBe(`http://api.allowed.test:${server.port}/json?a=1&b=true`);
    expect(response.headers['content-type']).toBe('application/json');
  });

  it('rejects a host outside the allowlist', async () => {
    const before = server.received.length;

    const error = await failure(gateway().request(POLICY, { url: `http://other.test:${server.port}/json` }, signal()));

    expect(error.code).toBe('PLUGIN_HTTP_HOST_NOT_ALLOWED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('other.test');
    expect(server.received.length).toBe(before);
  });

  it('matches wildcard subdomains only', async () => {
    const response = await gateway().request(POLICY, { url: `http://eu.api.wild.test:${server.port}/json` }, signal());
    const apex = await failure(gateway().request(POLICY, { url: `http://wild.test:${server.port}/json` }, signal()));

    expect(response.status).toBe(200);
    expect(apex.code).toBe('PLUGIN_HTTP_HOST_NOT_ALLOWED');
  });

  it('rejects IP literals for listed hosts', async () => {
    const error = await failure(gateway().request(POLICY, { url: `${server.origin}/json` }, signal()));

    expect(error.code).toBe('PLUGIN_HTTP_HOST_NOT_ALLOWED');
  });

  it('lets trusted plugins reach any host', async () => {
    const trusted: HttpPolicy = { plugin: 'core', hosts: [], anyHost: true };

    const byName = await gateway().request(trusted, { url: `http://other.test:${server.port}/json` }, signal());
    const byAddress = await gateway().request(trusted, { url: `${server.origin}/json` }, signal());

    expect(byName.status).toBe(200);
    expect(byAddress.status).toBe(200);
  });
});

describe('addresses', () => {
  it('rejects loopback unless allowed', async () => {
    const before = server.received.length;

    const error = await failure(gateway({ allow: [] }).request(POLICY, { url: `http://api.allowed.test:${server.port}/json` }, signal()));

    expect(error.code).toBe('PLUGIN_HTTP_PRIVATE_ADDRESS');
    expect(error.details).toMatchObject({ host: 'api.allowed.test', address: '127.0.0.1', range: 'loopback' });
    expect(server.received.length).toBe(before);
  });

  it('allows a private entry on its port only', async () => {
    const error = await failure(gateway().request(POLICY, { url: `http://api.allowed.test:${other.port}/json` }, signal()));

    expect(error.code).toBe('PLUGIN_HTTP_PRIVATE_ADDRESS');
  });

  it('allows a CIDR entry on every port', async () => {
    const response = await gateway({ allow: ['127.0.0.0/8'] }).request(POLICY, { url: `http://api.allowed.test:${other.port}/` }, signal());

    expect(response.body).toEqual({ server: 'other' });
  });

  it('rejects trusted plugins on private addresses', async () => {
    const trusted: HttpPolicy = { plugin: 'core', hosts: [], anyHost: true };

    const error = await failure(gateway({ allow: [] }).request(trusted, { url: `${server.origin}/json` }, signal()));

    expect(error.code).toBe('PLUGIN_HTTP_PRIVATE_ADDRESS');
  });

  it('rejects IPv6 loopback literals', async () => {
    const trusted: HttpPolicy = { plugin: 'core', hosts: [], anyHost: true };

    for (const host of ['[::1]', '[::ffff:127.0.0.1]', '[::]']) {
      const error = await failure(gateway({ allow: [] }).request(trusted, { url: `http://${host}:${server.port}/json` }, signal()));
      expect(error.code, host).toBe('PLUGIN_HTTP_PRIVATE_ADDRESS');
    }
  });

  it('rejects a name with any private answer', async () => {
    const table = { 'api.allowed.test': ['127.0.0.1', '127.0.0.2'] };

    const error = await failure(gateway({ table }).request(POLICY, { url: `http://api.allowed.test:${server.port}/json` }, signal()));

    expect(error.code).toBe('PLUGIN_HTTP_PRIVATE_ADDRESS');
    expect(error.details.address).toBe('127.0.0.2');
  });

  it('pins the connection to the checked address', async () => {
    const calls: string[] = [];
    let answers = 0;
    const rebinding = new HttpGateway({
      allowPrivate: [`127.0.0.1:${server.port}`],
      timeoutMs: 5_000,
      maxResponseBytes: 1_000_000,
      // The first resolution passes the check, and any later one would return a rejected address.
      resolve: async (hostname) => {
        calls.push(hostname);
        answers += 1;
        return [{ address: answers === 1 ? '127.0.0.1' : '127.0.0.3', family: 4 }];
      },
    });

    const response = await rebinding.request(POLICY, { url: `http://api.allowed.test:${server.port}/echo` }, signal());

    expect(response.status).toBe(200);
    expect(calls).toEqual(['api.allowed.test']);
    expect((response.body as { headers: Record<string, string> }).headers.host).toBe(`api.allowed.test:${server.port}`);
  });

  it('reports names that do not resolve', async () => {
    const error = await failure(
      gateway().request({ ...POLICY, hosts: ['missing.allowed.test'] }, { url: 'http://missing.allowed.test/' }, signal()),
    );

    expect(error.code).toBe('PLUGIN_HTTP_FAILED');
    expect(error.retryable).toBe(false);
  });

  it('classifies address ranges', () => {
    const cases: Array<[string, string | undefined]> = [
      ['8.8.8.8', undefined],
      ['2001:4860:4860::8888', undefined],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['127.0.0.1', 'loopback'],
      ['169.254.169.254', 'linkLocal'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'linkLocal'],
      ['fd00::1', 'uniqueLocal'],
      ['ff02::1', 'multicast'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['64:ff9b::a00:1', 'rfc6052'],
    ];
    for (const [text, range] of cases) {
      expect(nonPublicRange(parseAddress(text)!), text).toBe(range);
    }
  });

  it('parses allow entries', () => {
    const list = new PrivateAddressAllowList(['10.0.0.0/8', '192.168.1.5', '127.0.0.1:8080', '[::1]:9090', 'db.internal.test:5984']);
    const at = (text: string) => ipaddr.process(text);

    expect(list.allows(at('10.9.9.9'), 1, 'x.test')).toBe(true);
    expect(list.allows(at('::ffff:10.9.9.9'), 1, 'x.test')).toBe(true);
    expect(list.allows(at('192.168.1.5'), 443, 'x.test')).toBe(true);
    expect(list.allows(at('192.168.1.6'), 443, 'x.test')).toBe(false);
    expect(list.allows(at('127.0.0.1'), 8080, 'x.test')).toBe(true);
    expect(list.allows(at('127.0.0.1'), 8081, 'x.test')).toBe(false);
    expect(list.allows(at('::1'), 9090, 'x.test')).toBe(true);
    expect(list.allows(at('172.16.0.9'), 5984, 'db.internal.test')).toBe(true);
    expect(list.allows(at('172.16.0.9'), 5984, 'other.test')).toBe(false);
    expect(() => new PrivateAddressAllowList(['10.0.0.0/99'])).toThrow(/HTTP_ALLOW_PRIVATE entry "10.0.0.0\/99"/);
    expect(() => new PrivateAddressAllowList(['127.0.0.1:99999'])).toThrow(/invalid port/);
    expect(() => new PrivateAddressAllowList(['just-a-name'])).toThrow(/host:port/);
  });
});

describe('redirects', () => {
  it('follows a redirect and re-checks it', async () => {
    const response = await gateway().request(POLICY, { url: `http://api.allowed.test:${server.port}/redirect?to=/json` }, signal());

    expect(response.status).toBe(200);
    expect(response.url).toBe(`http://api.allowed.test:${server.port}/json`);
  });

  it('rejects a redirect to a private address', async () => {
    const before = other.received.length;
    const to = encodeURIComponent(`http://127.0.0.1:${other.port}/`);

    const error = await failure(
      gateway().request({ ...POLICY, anyHost: true }, { url: `http://api.allowed.test:${server.port}/redirect?to=${to}` }, signal()),
    );

    expect(error.code).toBe('PLUGIN_HTTP_PRIVATE_ADDRESS');
    expect(other.received.length).toBe(before);
  });

  it('rejects a redirect to a host outside the allowlist', async () => {
    const to = encodeURIComponent(`http://other.test:${server.port}/json`);
    const before = server.received.length;

    const error = await failure(gateway().request(POLICY, { url: `http://api.allowed.test:${server.port}/redirect?to=${to}` }, signal()));

    expect(error.code).toBe('PLUGIN_HTTP_HOST_NOT_ALLOWED');
    expect(server.received.length).toBe(before + 1);
  });

  it('stops after five redirects', async () => {
    const before = server.received.length;

    const error = await failure(gateway().request(POLICY, { url: `http://api.allowed.test:${server.port}/loop` }, signal()));

    expect(error.code).toBe('PLUGIN_HTTP_TOO_MANY_REDIRECTS');
    expect(server.received.length - before).toBe(6);
  });

  it('turns POST into GET on 303', async () => {
    const response = await gateway().request(
      POLICY,
      { method: 'POST', url: `http://api.allowed.test:${server.port}/redirect?status=303&to=/echo`, body: { a: 1 } },
      signal(),
    );

    expect((response.body as { method: string; body: string }).method).toBe('GET');
    expect((response.body as { method: string; body: string }).body).toBe('');
  });

  it('repeats method and body on 307', async () => {
    const response = await gateway().request(
      POLICY,
      { method: 'PUT', url: `http://api.allowed.test:${server.port}/redirect?status=307&to=/echo`, body: 'raw' },
      signal(),
    );

    expect(response.body).toMatchObject({ method: 'PUT', body: 'raw' });
  });

  it('drops authorization across origins', async () => {
    const to = encodeURIComponent(`http://eu.api.wild.test:${server.port}/echo`);

    const response = await gateway().request(
      POLICY,
      { url: `http://api.allowed.test:${server.port}/redirect?to=${to}`, headers: { Authorization: 'Bearer secret', 'X-Kept': 'yes' } },
      signal(),
    );
    const headers = (response.body as { headers: Record<string, string> }).headers;

    expect(headers.authorization).toBeUndefined();
    expect(headers['x-kept']).toBe('yes');
  });
});

describe('responses', () => {
  it('sends JSON bodies with a content type', async () => {
    const response = await gateway().request(
      POLICY,
      { method: 'post', url: `http://api.allowed.test:${server.port}/echo`, body: { lead: 'Ada' }, headers: { Host: 'evil.test' } },
      signal(),
    );
    const echoed = response.body as { method: string; headers: Record<string, string>; body: string };

    expect(echoed.method).toBe('POST');
    expect(echoed.headers['content-type']).toBe('application/json');
    expect(echoed.headers.host).toBe(`api.allowed.test:${server.port}`);
    expect(JSON.parse(echoed.body)).toEqual({ lead: 'Ada' });
  });

  it('reads text, base64 and statuses', async () => {
    const base = `http://api.allowed.test:${server.port}`;

    const text = await gateway().request(POLICY, { url: `${base}/text` }, signal());
    const bytes = await gateway().request(POLICY, { url: `${base}/bytes`, responseType: 'base64' }, signal());
    const jsonAsText = await gateway().request(POLICY, { url: `${base}/json`, responseType: 'text' }, signal());
    const notFound = await gateway().request(POLICY, { url: `${base}/status?code=503` }, signal());

    expect(text.body).toBe('plain text');
    expect(bytes.body).toBe(Buffer.from([0, 1, 2, 255]).toString('base64'));
    expect(typeof jsonAsText.body).toBe('string');
    expect(notFound.status).toBe(503);
    expect(notFound.body).toEqual({ status: 'as asked' });
  });

  it('rejects invalid JSON', async () => {
    const error = await failure(gateway().request(POLICY, { url: `http://api.allowed.test:${server.port}/bad-json` }, signal()));

    expect(error.code).toBe('PLUGIN_HTTP_RESPONSE_INVALID');
  });

  it('rejects oversized responses', async () => {
    const small = gateway({ maxBytes: 4_096 });

    const declared = await failure(small.request(POLICY, { url: `http://api.allowed.test:${server.port}/large` }, signal()));
    const chunked = await failure(small.request(POLICY, { url: `http://api.allowed.test:${server.port}/large-chunked` }, signal()));

    expect(declared.code).toBe('PLUGIN_HTTP_RESPONSE_TOO_LARGE');
    expect(chunked.code).toBe('PLUGIN_HTTP_RESPONSE_TOO_LARGE');
    expect(chunked.details).toMatchObject({ maxBytes: 4_096 });
  });

  it('times out retryably', async () => {
    const started = Date.now();

    const error = await failure(
      gateway({ timeoutMs: 5_000 }).request(POLICY, { url: `http://api.allowed.test:${server.port}/slow`, timeoutMs: 200 }, signal()),
    );

    expect(error.code).toBe('PLUGIN_HTTP_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('caps the timeout a plugin asks for', async () => {
    const error = await failure(
      gateway({ timeoutMs: 200 }).request(POLICY, { url: `http://api.allowed.test:${server.port}/slow`, timeoutMs: 60_000 }, signal()),
    );

    expect(error.code).toBe('PLUGIN_HTTP_TIMEOUT');
    expect(error.details).toEqual({ timeoutMs: 200 });
  });

  it('stops when the task is aborted', async () => {
    const controller = new AbortController();
    const reason = { code: 'RUNTIME_TASK_CANCELLED', message: 'run was cancelled', retryable: false };
    setTimeout(() => controller.abort(reason), 100);

    const error = await failure(gateway().request(POLICY, { url: `http://api.allowed.test:${server.port}/slow` }, controller.signal));

    expect(error).toBe(reason);
  });

  it('rejects invalid URLs and requests', async () => {
    const cases: Array<[object, string]> = [
      [{ url: 'not a url' }, 'PLUGIN_HTTP_URL_INVALID'],
      [{ url: 'ftp://api.allowed.test/file' }, 'PLUGIN_HTTP_URL_INVALID'],
      [{ url: 'http://user:pass@api.allowed.test/' }, 'PLUGIN_HTTP_URL_INVALID'],
      [{ url: `http://api.allowed.test:${server.port}/`, method: 'GET /x' }, 'PLUGIN_HTTP_REQUEST_INVALID'],
      [{ url: `http://api.allowed.test:${server.port}/`, responseType: 'xml' }, 'PLUGIN_HTTP_REQUEST_INVALID'],
      [{ url: `http://api.allowed.test:${server.port}/json`, headers: { 'x-bad': 'a\r\nb' } }, 'PLUGIN_HTTP_REQUEST_INVALID'],
    ];
    for (const [request, code] of cases) {
      const error = await failure(gateway().request(POLICY, request as never, signal()));
      expect(error.code, JSON.stringify(request)).toBe(code);
    }
  });
});
