/**
 * Host patterns of `permissions.hosts`: an exact DNS name such as `api.example.com`, or a
 * wildcard `*.example.com` that matches every subdomain of `example.com` at any depth but not
 * `example.com` itself. Manifests name public hosts only, so `localhost`, IP literals and
 * single-label names are rejected. An operator allows private addresses in the studio's own
 * settings, never through a manifest.
 */

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const NUMERIC_LABEL = /^[0-9]+$/;
const MAX_NAME_LENGTH = 253;

function describeNameProblem(name: string, pattern: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) {
    return `must be at most ${MAX_NAME_LENGTH} characters long`;
  }
  const labels = name.split('.');
  if (labels.some((label) => label === '')) {
    return 'must not contain an empty label ("..", or a leading or trailing ".")';
  }
  if (labels.length >= 2 && labels.every((label) => NUMERIC_LABEL.test(label))) {
    return `"${pattern}" is an IP address; a manifest names hosts by DNS name, and the operator allows private addresses separately`;
  }
  if (labels[labels.length - 1] === 'localhost') {
    return `"${pattern}" is a loopback name; a manifest names public hosts only, and the operator allows private addresses separately`;
  }
  if (labels.length < 2) {
    return `"${pattern}" is a single-label name; write a fully qualified name such as api.example.com`;
  }
  if (NUMERIC_LABEL.test(labels[labels.length - 1])) {
    return 'must end with a top-level domain made of letters, such as .com';
  }
  const badLabel = labels.find((label) => !LABEL.test(label));
  if (badLabel !== undefined) {
    return `label "${badLabel}" must be 1 to 63 letters, digits or "-", and must not start or end with "-"`;
  }
  return undefined;
}

/**
 * Returns why `pattern` is not a valid host pattern, or undefined when it is valid. The reason
 * completes the sentence "<pointer> …" or names the pattern itself.
 */
export function describeHostPatternProblem(pattern: string): string | undefined {
  if (pattern === '') {
    return 'must not be empty';
  }
  if (pattern.includes('://')) {
    return `must be a host name without a scheme, such as api.example.com, not "${pattern}"`;
  }
  if (pattern.includes('/')) {
    return `must be a host name without a path, such as api.example.com, not "${pattern}"`;
  }
  if (pattern.includes('[') || pattern.split(':').length > 2) {
    return `"${pattern}" is an IPv6 address; a manifest names hosts by DNS name, and the operator allows private addresses separately`;
  }
  if (pattern.includes(':')) {
    return 'must not contain a port: hosts are allowed on every port, so write the host name alone';
  }
  if (/[^\x00-\x7f]/.test(pattern)) {
    return 'must be ASCII; write an internationalized name in its punycode form (xn--…)';
  }
  if (pattern !== pattern.toLowerCase()) {
    return `must be lowercase: "${pattern.toLowerCase()}"`;
  }

  if (pattern.startsWith('*.')) {
    const domain = pattern.slice(2);
    if (domain.includes('*')) {
      return '"*" may appear only once, as the whole first label, as in *.example.com';
    }
    // NOTE: Without the public suffix list, a wildcard over a public suffix with a dot, such
    // as *.co.uk, passes this check.
    if (!domain.includes('.') && domain !== 'localhost' && !NUMERIC_LABEL.test(domain)) {
      return `"${pattern}" covers a whole top-level domain; a wildcard must cover a domain, as in *.example.com`;
    }
    return describeNameProblem(domain, pattern);
  }
  if (pattern.includes('*')) {
    return '"*" may appear only as the whole first label, as in *.example.com';
  }
  return describeNameProblem(pattern, pattern);
}

/** Returns whether `pattern` is a valid host pattern. */
export function isValidHostPattern(pattern: string): boolean {
  return describeHostPatternProblem(pattern) === undefined;
}

/**
 * Returns whether `hostname` (as in `new URL(url).hostname`) matches a host pattern. Matching
 * ignores case and a trailing dot. `*.example.com` matches `api.example.com` and
 * `eu.api.example.com`, but not `example.com`.
 */
export function hostMatchesPattern(hostname: string, pattern: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const normalizedPattern = pattern.toLowerCase();
  if (normalizedPattern.startsWith('*.')) {
    const suffix = normalizedPattern.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return host === normalizedPattern;
}

/** Returns whether `hostname` matches at least one of `patterns`. */
export function isHostAllowed(hostname: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => hostMatchesPattern(hostname, pattern));
}
