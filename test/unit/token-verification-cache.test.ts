import jwt from 'jsonwebtoken';
import { describe, expect, it, vi } from 'vitest';
import type { JwtConfig } from '../../src/config/config.js';
import { CLOCK_TOLERANCE_SECONDS, viewerFromAuthorization } from '../../src/auth/tokens.js';
import { UnauthenticatedError } from '../../src/errors/app-errors.js';

/**
 * §10.2 with verified tokens kept (src/auth/tokens.ts, issue 18): a token that verified once is not verified again,
 * but its time claims are judged on every use, and only its exact text is kept.
 */
const SECRET = 'token-cache-secret-0123456789-abcdefgh';
const orgs = async (code: string) => (code === 'SG-MARKET' ? { kind: 'DEPARTMENT', status: 'ACTIVE' } : null);
const config = (): JwtConfig => ({ secret: SECRET, publicKey: null, issuer: null, audience: null, generated: false });
const at = (seconds: number) => new Date(seconds * 1000);
const T = 1_780_000_000;
const claims = { sub: 'officer-1', role: 'department', org: 'SG-MARKET' };

describe('§10.2 verified tokens kept', () => {
  it('a token is verified once: its later uses do not check the signature again', async () => {
    const cfg = config();
    const token = jwt.sign({ ...claims, exp: T + 600 }, SECRET, { algorithm: 'HS256' });
    const verify = vi.spyOn(jwt, 'verify');
    try {
      for (let i = 0; i < 5; i++) expect((await viewerFromAuthorization(`Bearer ${token}`, cfg, orgs, at(T + i))).role).toBe('department');
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });

  it('§10.2: a token accepted before is refused once it expires (exp judged on every use)', async () => {
    const cfg = config();
    const token = jwt.sign({ ...claims, iat: T, exp: T + 60 }, SECRET, { algorithm: 'HS256' });
    expect((await viewerFromAuthorization(`Bearer ${token}`, cfg, orgs, at(T + 10))).role).toBe('department');
    expect((await viewerFromAuthorization(`Bearer ${token}`, cfg, orgs, at(T + 60 + CLOCK_TOLERANCE_SECONDS - 1))).role).toBe('department');
    await expect(viewerFromAuthorization(`Bearer ${token}`, cfg, orgs, at(T + 60 + CLOCK_TOLERANCE_SECONDS))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('§10.2: a token accepted after its nbf is refused at an earlier instant (nbf judged on every use)', async () => {
    const cfg = config();
    const token = jwt.sign({ ...claims, iat: T, nbf: T + 100, exp: T + 1000 }, SECRET, { algorithm: 'HS256' });
    expect((await viewerFromAuthorization(`Bearer ${token}`, cfg, orgs, at(T + 200))).role).toBe('department');
    await expect(viewerFromAuthorization(`Bearer ${token}`, cfg, orgs, at(T + 100 - CLOCK_TOLERANCE_SECONDS - 1))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('§10.2: a token whose text differs by one character from one accepted before is verified, and refused', async () => {
    const cfg = config();
    const token = jwt.sign({ ...claims, exp: T + 600 }, SECRET, { algorithm: 'HS256' });
    expect((await viewerFromAuthorization(`Bearer ${token}`, cfg, orgs, at(T))).role).toBe('department');
    const last = token.at(-1)!;
    const altered = token.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    await expect(viewerFromAuthorization(`Bearer ${altered}`, cfg, orgs, at(T))).rejects.toBeInstanceOf(UnauthenticatedError);
    // another payload under the same signature
    const [, , signature] = token.split('.');
    const forged = `${token.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin', org: 'PLATFORM', exp: T + 600 })).toString('base64url')}.${signature}`;
    await expect(viewerFromAuthorization(`Bearer ${forged}`, cfg, orgs, at(T))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('§10.2: a token accepted under one key is not accepted under another configuration', async () => {
    const token = jwt.sign({ ...claims, exp: T + 600 }, SECRET, { algorithm: 'HS256' });
    expect((await viewerFromAuthorization(`Bearer ${token}`, config(), orgs, at(T))).role).toBe('department');
    const other: JwtConfig = { secret: 'another-secret-0123456789-abcdefghij', publicKey: null, issuer: null, audience: null, generated: false };
    await expect(viewerFromAuthorization(`Bearer ${token}`, other, orgs, at(T))).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});
