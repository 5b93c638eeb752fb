import type { RequestContext } from '../../context/request-context.js';
import { BadUserInputError, NotFoundError } from '../../errors/app-errors.js';
import { createPublicKey } from 'node:crypto';
import {
  insertOrganization, updatePeerPublicKey, listOrganizations, updateOrganizationStatus, type OrganizationRow,
} from './organizations.repository.js';

export const ORGANIZATION_CODE = /^[A-Z0-9-]{2,64}$/;
export const PLATFORM_CODE = 'PLATFORM';

/** X4: a peer's key must be an Ed25519 public key in PEM (SPKI); answers the PEM normalised, or throws. */
export function checkPeerPublicKey(pem: string): string {
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    return String(key.export({ type: 'spki', format: 'pem' }));
  } catch {
    throw new BadUserInputError('INVALID_PUBLIC_KEY', 'publicKey must be an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----).');
  }
}

export const organizationsService = {
  list: (ctx: RequestContext, kind: string | null | undefined) => listOrganizations(ctx.db, kind ?? null),

  async register(ctx: RequestContext, input: { code: string; name: string; kind: string; publicKey?: string | null }): Promise<OrganizationRow> {
    const code = input.code.trim(); // SPEC §1: [A-Z0-9-] — lower case is refused, not silently changed
    const name = input.name.trim();
    if (!ORGANIZATION_CODE.test(code)) {
      throw new BadUserInputError('INVALID_ORGANIZATION_CODE', 'Organisation codes are 2–64 characters of A–Z, 0–9 and "-".');
    }
    if (name.length === 0 || name.length > 200) throw new BadUserInputError('INVALID_NAME', 'A name is 1–200 characters.');
    if (input.kind === 'PLATFORM' || code === PLATFORM_CODE) {
      throw new BadUserInputError('RESERVED', 'The PLATFORM organisation is the credit office and exists already.');
    }
    // X4: a peer platform is registered with the key its exchange files are verified with; nobody else has one
    const hasKey = input.publicKey !== null && input.publicKey !== undefined && input.publicKey.trim() !== '';
    if (input.kind === 'PEER_PLATFORM' && !hasKey) {
      throw new BadUserInputError('PUBLIC_KEY_REQUIRED', 'A PEER_PLATFORM is registered with its Ed25519 public key (publicKey).');
    }
    if (input.kind !== 'PEER_PLATFORM' && hasKey) {
      throw new BadUserInputError('PUBLIC_KEY_NOT_APPLICABLE', 'Only a PEER_PLATFORM has a public key.');
    }
    const publicKey = hasKey ? checkPeerPublicKey(input.publicKey!) : null;
    const created = await insertOrganization(ctx.db, { code, name, kind: input.kind as OrganizationRow['kind'], publicKey });
    if (!created) throw new BadUserInputError('ORGANIZATION_EXISTS', `Organisation ${code} is registered already.`);
    return created;
  },

  /** X4: key rotation for a peer platform (files signed with the old key are refused from now on). */
  async setPeerPublicKey(ctx: RequestContext, rawCode: string, pem: string): Promise<OrganizationRow> {
    const code = rawCode.trim().toUpperCase();
    const publicKey = checkPeerPublicKey(pem);
    const updated = await updatePeerPublicKey(ctx.db, code, publicKey);
    if (!updated) throw new NotFoundError(`No peer platform ${code}.`);
    return updated;
  },

  /** Suspension takes effect at the next request: tokens are checked against this table every time (SPEC §1). */
  async setStatus(ctx: RequestContext, rawCode: string, status: string): Promise<OrganizationRow> {
    const code = rawCode.trim().toUpperCase();
    if (code === PLATFORM_CODE && status !== 'ACTIVE') {
      throw new BadUserInputError('RESERVED', 'The credit office cannot be suspended.');
    }
    const updated = await updateOrganizationStatus(ctx.db, code, status as OrganizationRow['status']);
    if (!updated) throw new NotFoundError(`No organisation ${code}.`);
    return updated;
  },
};
