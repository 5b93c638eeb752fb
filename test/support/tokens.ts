import jwt from 'jsonwebtoken';
import { signToken, type TokenClaims } from '../../src/auth/tokens.js';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';

export function tokenFor(claims: TokenClaims, options: { expiresIn?: number } = {}): string {
  return signToken(claims, TEST_SECRET, options);
}

export const tokens = {
  department: (org: string, sub = 'officer-1') => tokenFor({ sub, role: 'department', org }),
  agency: (org: string, sub = 'analyst-1') => tokenFor({ sub, role: 'agency', org }),
  subject: (subject: string, sub = 'user-1') => tokenFor({ sub, role: 'subject', subject }),
  auditor: (org: string, sub = 'auditor-1') => tokenFor({ sub, role: 'auditor', org }),
  admin: (sub = 'admin-1') => tokenFor({ sub, role: 'admin', org: 'PLATFORM' }),
  /** §12: a peer platform's exchange client */
  exchange: (org: string, sub = 'peer-sync-1') => tokenFor({ sub, role: 'exchange', org }),
};

/** A raw token with arbitrary claims and options (for refusal tests). */
export function rawToken(payload: Record<string, unknown>, secret = TEST_SECRET, options: jwt.SignOptions = { algorithm: 'HS256' }): string {
  return jwt.sign(payload, secret, options);
}
