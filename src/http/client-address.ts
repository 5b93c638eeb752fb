import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The client's address, which the public's rate limit is keyed on (§11): the connection's peer; or the address last
 * appended to X-Forwarded-For — the one the party in front saw, which a client cannot forge — when that party is
 * trusted to append it: a load balancer (TRUST_PROXY=1), or this process's own website (WEB2), which calls the API
 * over loopback with the visitor's address and the process's site key. Another local process (a reverse proxy that
 * passes a client's own X-Forwarded-For through, say) has no key, so its header is not believed.
 */
export interface ForwardingTrust {
  trustProxy: boolean;
  /** the in-process website's key (x-site-key); null when the website is off or reads another gateway */
  siteKey: string | null;
}

const LOOPBACK = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

export const isLoopbackAddress = (address: string | undefined): boolean => LOOPBACK.test(address ?? '');

function keyMatches(header: string | string[] | undefined, key: string): boolean {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  const wanted = Buffer.from(key);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** A request of this process's own website: over loopback (or from this host's own address) and with its key. */
export function fromOwnSite(req: IncomingMessage, siteKey: string | null): boolean {
  if (!siteKey) return false;
  const peer = req.socket.remoteAddress;
  const local = isLoopbackAddress(peer) || (peer !== undefined && peer === req.socket.localAddress);
  return local && keyMatches(req.headers['x-site-key'], siteKey);
}

export function clientAddressOf(req: IncomingMessage, trust: ForwardingTrust): string {
  if (trust.trustProxy || fromOwnSite(req, trust.siteKey)) {
    const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((part) => part.trim()).filter(Boolean);
    if (forwarded.length) return forwarded[forwarded.length - 1];
  }
  return req.socket.remoteAddress ?? 'unknown';
}
