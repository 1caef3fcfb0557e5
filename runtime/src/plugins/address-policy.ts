/**
 * Rules for the IP addresses that plugin HTTP requests may connect to: public unicast
 * addresses, plus the private ones the operator lists in `HTTP_ALLOW_PRIVATE`.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One `HTTP_ALLOW_PRIVATE` entry: a CIDR block, or one address or host name on one port. */
type AllowEntry =
  | { kind: 'cidr'; range: [Address, number] }
  | { kind: 'address-port'; address: Address; port: number }
  | { kind: 'host-port'; host: string; port: number };

/** Parses an address, turning IPv4-mapped IPv6 (`::ffff:10.0.0.1`) into its IPv4 form. */
export function parseAddress(text: string): Address | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return undefined;
  return ipaddr.process(bare);
}

/**
 * Returns the ipaddr.js range name of an address that is not public, such as `loopback`,
 * `private`, `linkLocal`, `uniqueLocal`, `multicast` or `unspecified`, or undefined for a
 * public unicast address. Every range other than global unicast counts as not public, NAT64
 * (`64:ff9b::/96`), 6to4 and Teredo included, because they embed IPv4 addresses that may be
 * private.
 */
export function nonPublicRange(address: Address): string | undefined {
  const range = address.range();
  if (range !== 'unicast') return range;
  // ipaddr.js names only some IPv6 ranges and calls the rest `unicast`, so IPv6 counts as
  // public only inside 2000::/3, the global unicast block (RFC 4291). This rejects, among
  // others, `::7f00:1` (IPv4-compatible loopback) and fec0::/10 (deprecated site-local).
  if (address.kind() === 'ipv6' && !(address as ipaddr.IPv6).match(ipaddr.IPv6.parse('2000::'), 3)) {
    return 'reserved';
  }
  return undefined;
}

function parsePort(text: string, entry: string): number {
  const port = Number(text);
  if (!/^[0-9]{1,5}$/.test(text) || port < 1 || port > 65_535) {
    throw new Error(`HTTP_ALLOW_PRIVATE entry "${entry}" has an invalid port "${text}"; use 1 to 65535`);
  }
  return port;
}

function parseEntry(entry: string): AllowEntry {
  if (entry.includes('/')) {
    if (!ipaddr.isValidCIDR(entry)) {
      throw new Error(`HTTP_ALLOW_PRIVATE entry "${entry}" is not a valid CIDR block such as 10.0.0.0/8`);
    }
    const [address, bits] = ipaddr.parseCIDR(entry);
    // A CIDR written in IPv4-mapped form matches the IPv4 addresses that `parseAddress` yields.
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return { kind: 'cidr', range: [(address as ipaddr.IPv6).toIPv4Address(), bits - 96] };
    }
    return { kind: 'cidr', range: [address, bits] };
  }

  const whole = parseAddress(entry);
  if (whole !== undefined) {
    return { kind: 'cidr', range: [whole, whole.kind() === 'ipv4' ? 32 : 128] };
  }

  const bracketed = /^\[([^\]]+)\]:([^:]+)$/.exec(entry);
  const plain = /^([^:[\]]+):([^:]+)$/.exec(entry);
  const match = bracketed ?? plain;
  if (match === null) {
    throw new Error(
      `HTTP_ALLOW_PRIVATE entry "${entry}" must be a CIDR block (10.0.0.0/8), an address (10.1.2.3) ` +
        'or host:port (127.0.0.1:8080, [::1]:8080, db.internal:5984)',
    );
  }
  const port = parsePort(match[2], entry);
  const address = parseAddress(match[1]);
  if (address !== undefined) return { kind: 'address-port', address, port };
  return { kind: 'host-port', host: match[1].toLowerCase().replace(/\.$/, ''), port };
}

function sameAddress(a: Address, b: Address): boolean {
  return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}

/** The operator's exceptions to the rule that plugin HTTP requests reach public addresses only. */
export class PrivateAddressAllowList {
  readonly #entries: AllowEntry[];

  /** Parses `HTTP_ALLOW_PRIVATE` entries; throws naming the first invalid one. */
  constructor(entries: readonly string[]) {
    this.#entries = entries.map(parseEntry);
  }

  /** Returns whether a connection to `address` on `port`, for the URL host `hostname`, is allowed. */
  allows(address: Address, port: number, hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    return this.#entries.some((entry) => {
      switch (entry.kind) {
        case 'cidr':
          return address.kind() === entry.range[0].kind() && address.match(entry.range);
        case 'address-port':
          return entry.port === port && sameAddress(entry.address, address);
        case 'host-port':
          return entry.port === port && entry.host === host;
      }
    });
  }
}
