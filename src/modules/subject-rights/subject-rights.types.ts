import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars.js';
import { Disclosure, Severity } from '../../graphql/enums.js';
import { Connection } from '../../graphql/connection.js';
import { Organization } from '../organizations/organization.type.js';
import { Redaction } from '../records/record.type.js';
import {
  CASE_ACTIONS, CASE_KINDS, OBJECTION_OUTCOMES, OBJECTION_STATUSES, REPAIR_STATUSES,
} from '../../db/schema/subject-rights.js';

const asEnum = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const ObjectionStatus = asEnum(OBJECTION_STATUSES);
export const ObjectionOutcome = asEnum(OBJECTION_OUTCOMES);
export const RepairStatus = asEnum(REPAIR_STATUSES);
export const CaseKind = asEnum(CASE_KINDS);
export const CaseAction = asEnum(CASE_ACTIONS);
registerEnumType(ObjectionStatus, { name: 'ObjectionStatus' });
registerEnumType(ObjectionOutcome, { name: 'ObjectionOutcome', description: 'SPEC R2' });
registerEnumType(RepairStatus, { name: 'RepairStatus' });
registerEnumType(CaseKind, { name: 'CaseKind' });
registerEnumType(CaseAction, { name: 'CaseAction' });

@ObjectType({ description: 'One state change of an objection or a repair application: who and when (SPEC §8).' })
export class CaseEvent {
  @Field(() => Int) sequence!: number;
  @Field(() => DateTimeScalar) at!: Date;
  @Field(() => CaseKind) caseKind!: string;
  @Field(() => ID) caseId!: string;
  @Field(() => ID) recordId!: string;
  @Field(() => String, { description: "an individual's identity number is masked for admins (as the public sees it, U1); full for the subject, the source department and auditors (L4)" })
  subjectCode!: string;
  @Field(() => CaseAction) action!: string;
  @Field(() => ObjectionOutcome, { nullable: true, description: 'RESOLVED: the outcome' }) outcome!: string | null;
  @Field(() => String, { nullable: true, description: "token sub; auditors only (a subject sees the organisation, not the officer's id)" })
  actor!: string | null;
  @Field(() => String) role!: string;
  @Field(() => Organization, { nullable: true }) organization!: Organization | null;

  /** not in the schema */
  orgCode!: string | null;
}

export const CaseEventConnection = Connection(CaseEvent, 'CaseEvent');

@ObjectType({ description: 'An objection (异议) to a record (SPEC R1, R2).' })
export class Objection {
  @Field(() => ID) id!: string;
  @Field(() => ID) recordId!: string;
  @Field(() => String, { description: "an individual's identity number is masked for admins (U1); full for the subject, the source department and auditors" }) subjectCode!: string;
  @Field(() => Organization, { description: 'the record source department, which resolves it' }) source!: Organization;
  @Field(() => String, { nullable: true, description: "the subject's statement" }) reason!: string | null;
  @Field(() => ObjectionStatus) status!: string;
  @Field(() => ObjectionOutcome, { nullable: true }) outcome!: string | null;
  @Field(() => String, { nullable: true, description: "the department's reason for its outcome" }) note!: string | null;
  @Field(() => Int, { description: 'the record version the objection was filed against' }) recordVersion!: number;
  @Field(() => Int, { nullable: true, description: 'CORRECTED: the version that corrected the record' }) correctedVersion!: number | null;
  @Field(() => DateTimeScalar) filedAt!: Date;
  @Field(() => DateTimeScalar, { description: 'end of the resolution period (working days, on the calendar in force now)' }) dueAt!: Date;
  @Field(() => Boolean, { description: 'pending past dueAt' }) overdue!: boolean;
  @Field(() => DateTimeScalar, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => [Redaction]) redactions!: Redaction[];
  @Field(() => [CaseEvent]) history!: CaseEvent[];

  /** not in the schema */
  sourceOrg!: string;
}

export const ObjectionConnection = Connection(Objection, 'Objection');

@ObjectType({ description: 'A credit repair application (信用修复, SPEC R3).' })
export class RepairApplication {
  @Field(() => ID) id!: string;
  @Field(() => ID) recordId!: string;
  @Field(() => String, { description: "an individual's identity number is masked for admins (U1); full for the subject, the source department and auditors" }) subjectCode!: string;
  @Field(() => Organization, { description: 'the record source department, which decides it' }) source!: Organization;
  @Field(() => String, { nullable: true, description: 'the credit commitment (信用承诺)' }) commitment!: string | null;
  @Field(() => String, { nullable: true }) evidence!: string | null;
  @Field(() => RepairStatus) status!: string;
  @Field(() => String, { nullable: true, description: "the department's reason for approving or rejecting" }) reason!: string | null;
  @Field(() => DateTimeScalar) appliedAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) decidedAt!: Date | null;
  @Field(() => [Redaction]) redactions!: Redaction[];
  @Field(() => [CaseEvent]) history!: CaseEvent[];

  /** not in the schema */
  sourceOrg!: string;
}

export const RepairApplicationConnection = Connection(RepairApplication, 'RepairApplication');

@ObjectType({ description: 'What a disputed record shows: the latest objection (R1 pending, R2 UNDETERMINED keeps both texts).' })
export class RecordDispute {
  @Field(() => ObjectionStatus) status!: string;
  @Field(() => ObjectionOutcome, { nullable: true }) outcome!: string | null;
  @Field(() => String, { nullable: true, description: "the subject's statement: the subject and the record's source department only (R1)" })
  statement!: string | null;
  @Field(() => String, { nullable: true, description: "the department's note: the subject and the record's source department only (R1)" })
  note!: string | null;
  @Field(() => DateTimeScalar) filedAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => [Redaction]) redactions!: Redaction[];
}

@InputType({ description: 'CORRECTED: the fields that change (the rest of the record is kept); validated like a filing (W3).' })
export class RecordCorrectionInput {
  @Field(() => String, { nullable: true }) title?: string | null;
  @Field(() => String, { nullable: true }) summary?: string | null;
  @Field(() => String, { nullable: true }) decisionNumber?: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) decidedAt?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) validFrom?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) validUntil?: Date | null;
  @Field(() => Severity, { nullable: true }) severity?: string | null;
  @Field(() => String, { nullable: true }) legalBasis?: string | null;
  @Field(() => Float, { nullable: true }) amount?: number | null;
  @Field(() => String, { nullable: true }) grade?: string | null;
  @Field(() => String, { nullable: true }) group?: string | null;
  @Field(() => Disclosure, { nullable: true }) disclosure?: string | null;
  @Field(() => JSONScalar, { nullable: true }) details?: unknown;
}

@InputType()
export class CaseEventFilter {
  @Field(() => DateTimeScalar, { nullable: true }) from?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) to?: Date | null;
  @Field(() => String, { nullable: true }) subjectCode?: string | null;
  @Field(() => String, { nullable: true }) orgCode?: string | null;
  @Field(() => CaseKind, { nullable: true }) caseKind?: string | null;
}
