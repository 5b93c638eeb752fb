import { registerEnumType } from 'type-graphql';
import { PURPOSE_KINDS } from '../../policies/purposes.js';

/** GraphQL enums of SPEC §10.3, as string enums so values travel unchanged between SQL, policies and clients. */
const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const SubjectKind = asEnum(['ENTERPRISE', 'INDIVIDUAL', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] as const);
export const OrganizationKind = asEnum(['PLATFORM', 'DEPARTMENT', 'AGENCY', 'AUDIT_OFFICE', 'PEER_PLATFORM'] as const);
export const OrganizationStatus = asEnum(['ACTIVE', 'SUSPENDED'] as const);
export const ViewTier = asEnum(['PUBLIC', 'DEPARTMENT', 'AGENCY', 'SELF'] as const);
export const Disclosure = asEnum(['PUBLIC', 'SHARED', 'SUBJECT_ONLY'] as const);
export const RecordStatus = asEnum(['ACTIVE', 'WITHDRAWN', 'REPAIRED'] as const);
export const Severity = asEnum(['MINOR', 'GENERAL', 'SERIOUS'] as const);
export const RecordNature = asEnum(['BASIC', 'POSITIVE', 'NEGATIVE'] as const);
export const RecordCategory = asEnum([
  'REGISTRATION', 'JUDICIAL', 'ADMINISTRATIVE', 'PROFESSIONAL', 'ABNORMAL_OPERATION', 'SERIOUS_DISHONESTY',
  'CONTRACT', 'COMMITMENT', 'EVALUATION', 'HONOR', 'SELF_DECLARED', 'COMPLIANCE', 'INTELLECTUAL_PROPERTY',
] as const);
export const PurposeKind = asEnum(PURPOSE_KINDS);
export const SubjectStatus = asEnum(['ACTIVE', 'DEREGISTERED', 'REVOKED'] as const);
export const RedactionReason = asEnum(['MASKED_PERSONAL_DATA', 'PURPOSE_REQUIRED', 'GRANT_REQUIRED', 'NOT_PUBLIC'] as const);
export const PublicityRule = asEnum(['BY_SEVERITY', 'BY_VALIDITY'] as const);
export const Scenario = asEnum(['LICENSING', 'PROCUREMENT', 'BIDDING', 'SUBSIDY', 'QUALIFICATION', 'HIRING', 'HONORS'] as const);
export const Verdict = asEnum(['CLEAR', 'WARN', 'RESTRICT'] as const);
export const RecordChangeKind = asEnum(['FILED', 'VERSIONED', 'WITHDRAWN', 'REPAIRED', 'DISPUTED', 'UNDISPUTED', 'UNSHARED'] as const);
export const Role = asEnum(['public', 'department', 'agency', 'subject', 'auditor', 'admin', 'exchange'] as const);

registerEnumType(SubjectKind, { name: 'SubjectKind' });
registerEnumType(RecordChangeKind, { name: 'RecordChangeKind', description: 'X1: what happened to a record; UNSHARED: a correction narrowed it to SUBJECT_ONLY, so the peer must stop showing its last version' });
registerEnumType(OrganizationKind, { name: 'OrganizationKind' });
registerEnumType(OrganizationStatus, { name: 'OrganizationStatus' });
registerEnumType(ViewTier, { name: 'ViewTier', description: 'What a response was disclosed as (SPEC §1).' });
registerEnumType(Disclosure, { name: 'Disclosure' });
registerEnumType(RecordStatus, { name: 'RecordStatus' });
registerEnumType(Severity, { name: 'Severity' });
registerEnumType(RecordNature, { name: 'RecordNature' });
registerEnumType(RecordCategory, { name: 'RecordCategory' });
registerEnumType(PurposeKind, { name: 'PurposeKind' });
registerEnumType(SubjectStatus, { name: 'SubjectStatus' });
registerEnumType(RedactionReason, { name: 'RedactionReason' });
registerEnumType(PublicityRule, { name: 'PublicityRule' });
registerEnumType(Role, { name: 'Role' });
registerEnumType(Scenario, { name: 'Scenario' });
registerEnumType(Verdict, { name: 'Verdict' });
