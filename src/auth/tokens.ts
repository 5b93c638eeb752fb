import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm } from 'jsonwebtoken';
import type { JwtConfig } from '../config/config.js';
import type { Viewer } from '../../policies/viewer.js';
import type { Role } from '../../policies/purposes.js';
import { normalizeCode } from '../domain/identifiers.js';
import { UnauthenticatedError } from '../errors/app-errors.js';
import { LruMap } from '../lru.js';

/** JWT verification → Viewer (SPEC §10.2); nothing else. */
export const TOKEN_ROLES: readonly Exclude<Role, 'public'>[] = ['department', 'agency', 'subject', 'auditor', 'admin', 'exchange'];
export const ROLE_ORGANIZATION_KIND: Record<Exclude<Role, 'public' | 'subject'>, string> = {
  department: 'DEPARTMENT',
  agency: 'AGENCY',
  auditor: 'AUDIT_OFFICE',
  admin: 'PLATFORM',
  /** §12: a peer (provincial, national) platform */
  exchange: 'PEER_PLATFORM',
};
export const CLOCK_TOLERANCE_SECONDS = 5;

export interface OrganizationStanding {
  kind: string;
  status: string;
}
export type OrganizationLookup = (code: string) => Promise<OrganizationStanding | null>;

function algorithmsFor(config: JwtConfig): Algorithm[] {
  return config.publicKey ? ['RS256', 'ES256'] : ['HS256'];
}

/**
 * The configured key as a KeyObject, built once per configuration. Handed a string, jsonwebtoken first tries to
 * parse it as a PEM public key and only then, after that throws, as an HMAC secret — on every request (10 % of
 * the gateway's CPU under S2 load, bench/RESULTS.md).
 */
const keys = new WeakMap<JwtConfig, KeyObject>();
function verificationKey(config: JwtConfig): KeyObject | null {
  let key = keys.get(config) ?? null;
  if (!key) {
    if (config.publicKey) key = createPublicKey(config.publicKey);
    else if (config.secret) key = createSecretKey(Buffer.from(config.secret, 'utf8')); // SPEC §10.2: its UTF-8 bytes
    if (key) keys.set(config, key);
  }
  return key;
}

/**
 * Tokens that verified before, by their exact text, per configuration (issue 18: the signature check was ~3 % of the
 * gateway's CPU under S2 load). The signature binds every byte of a token, so a text that verified under this key
 * verifies again; what can change is time, so `exp` and `nbf` are checked on every use exactly as jsonwebtoken
 * checks them (with the same tolerance). Only successes are kept; bounded, least recently used forgotten first.
 */
export const VERIFIED_TOKENS_KEPT = 10_000;
const verifiedTokens = new WeakMap<JwtConfig, LruMap<string, jwt.JwtPayload>>();

function stillValid(payload: jwt.JwtPayload, now: Date): boolean {
  const clock = Math.floor(now.getTime() / 1000);
  if (typeof payload.exp === 'number' && clock >= payload.exp + CLOCK_TOLERANCE_SECONDS) return false;
  if (typeof payload.nbf === 'number' && payload.nbf > clock + CLOCK_TOLERANCE_SECONDS) return false;
  return true;
}

/** Verified claims, or throws UnauthenticatedError. Never falls back to the public viewer. */
export function verifyClaims(token: string, config: JwtConfig, now: Date): jwt.JwtPayload {
  let verified = verifiedTokens.get(config);
  if (!verified) verifiedTokens.set(config, (verified = new LruMap(VERIFIED_TOKENS_KEPT)));
  const known = verified.get(token);
  if (known) {
    if (!stillValid(known, now)) throw new UnauthenticatedError('The token is invalid or expired.');
    return known;
  }
  try {
    const key = verificationKey(config);
    if (!key) throw new UnauthenticatedError('Tokens are not accepted: no key is configured.');
    const payload = jwt.verify(token, key, {
      algorithms: algorithmsFor(config),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      clockTimestamp: Math.floor(now.getTime() / 1000),
      ...(config.issuer ? { issuer: config.issuer } : {}),
      ...(config.audience ? { audience: config.audience } : {}),
    });
    if (typeof payload === 'string') throw new UnauthenticatedError('The token has no claims.');
    verified.set(token, payload);
    return payload;
  } catch (error) {
    if (error instanceof UnauthenticatedError) throw error;
    throw new UnauthenticatedError('The token is invalid or expired.');
  }
}

/**
 * The Authorization header → Viewer. No header → public. A malformed header, a bad signature, an expired
 * token, missing claims, an unknown role, an organisation that does not fit the role or is not ACTIVE →
 * UnauthenticatedError (HTTP 401).
 */
export async function viewerFromAuthorization(
  header: string | undefined,
  config: JwtConfig,
  lookupOrganization: OrganizationLookup,
  now: Date,
): Promise<Viewer> {
  if (header === undefined) return { role: 'public', actor: null, orgCode: null, subjectCode: null };
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(header.trim());
  if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".');
  const claims = verifyClaims(match[1], config, now);
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) throw new UnauthenticatedError('The token has no sub.');
  if (typeof claims.exp !== 'number') throw new UnauthenticatedError('The token has no exp.');
  const role = claims.role as Role;
  if (!TOKEN_ROLES.includes(role as Exclude<Role, 'public'>)) throw new UnauthenticatedError('The token has no valid role.');
  if (role === 'subject') {
    if (typeof claims.subject !== 'string' || claims.subject.trim() === '') {
      throw new UnauthenticatedError('A subject token names its subject.');
    }
    return { role, actor: claims.sub, orgCode: null, subjectCode: normalizeCode(claims.subject) };
  }
  if (typeof claims.org !== 'string' || claims.org === '') throw new UnauthenticatedError('The token names no organisation.');
  const organization = await lookupOrganization(claims.org);
  const expectedKind = ROLE_ORGANIZATION_KIND[role as keyof typeof ROLE_ORGANIZATION_KIND];
  if (!organization || organization.kind !== expectedKind || organization.status !== 'ACTIVE') {
    throw new UnauthenticatedError('The token\'s organisation is unknown, suspended or does not fit its role.');
  }
  return { role, actor: claims.sub, orgCode: claims.org, subjectCode: null };
}

export interface TokenClaims {
  sub: string;
  role: Exclude<Role, 'public'>;
  org?: string;
  subject?: string;
}

/** Signs an HS256 token (demo tokens at start, tests). */
export function signToken(claims: TokenClaims, secret: string, options: { expiresIn?: number; issuer?: string; audience?: string } = {}): string {
  return jwt.sign(claims, secret, {
    algorithm: 'HS256',
    expiresIn: options.expiresIn ?? 8 * 3600,
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  });
}
