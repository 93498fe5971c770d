import net from 'node:net';

/**
 * QUANLU_TRUST_PROXY, as Fastify's `trustProxy` takes it: false (the socket's address is the client),
 * true (trust every hop), a hop count, or the addresses/CIDR ranges of the proxies.
 */
export type TrustProxy = boolean | number | string[];

/** Parses the setting; a string result is the problem, in words for the configuration error. */
export function parseTrustProxy(raw: string): TrustProxy | { problem: string } {
  const v = raw.trim();
  if (v === 'false' || v === '0') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= 32 ? hops : { problem: 'a hop count must be at most 32' };
  }
  const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
  for (const e of entries) {
    const [addr, bits, extra] = e.split('/');
    const family = net.isIP(addr ?? '');
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!family || !bitsOk || extra !== undefined) {
      return { problem: `"${e}" is not an IP address or CIDR range; use false, true, a hop count, or addresses like 127.0.0.1,10.0.0.0/8` };
    }
  }
  return entries.length ? entries : { problem: 'empty list' };
}

/** A test "is this socket peer one of the trusted proxies?" for the setting. */
export function trustedPeer(setting: TrustProxy): (remoteAddress: string | undefined) => boolean {
  if (setting === false || setting === 0) return () => false;
  if (!Array.isArray(setting)) return () => true; // true, or a hop count: the peer is the nearest proxy
  const list = new net.BlockList();
  for (const e of setting) {
    const [addr, bits] = e.split('/') as [string, string | undefined];
    const type = net.isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return (remote) => {
    if (!remote) return false;
    // An IPv4 client on a dual-stack socket appears as ::ffff:a.b.c.d.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1];
    if (v4) return list.check(v4, 'ipv4');
    return list.check(remote, net.isIP(remote) === 6 ? 'ipv6' : 'ipv4');
  };
}

/** The setting as Fastify's `trustProxy` option (a hop count becomes "trust the first n hops"). */
export function fastifyTrustProxy(setting: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}
