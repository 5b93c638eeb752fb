import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Allow } from '../../graphql/access.js';
import type { CaseReading } from '../../../policies/cases.js';
import { Organization } from '../organizations/organization.type.js';
import { CreditRecord } from '../records/record.type.js';
import { Subject } from '../subjects/subject.type.js';
import {
  CaseEvent, CaseEventConnection, CaseEventFilter, Objection, ObjectionConnection, ObjectionOutcome, RecordCorrectionInput,
  RecordDispute, RepairApplication, RepairApplicationConnection,
} from './subject-rights.types.js';
import { subjectRightsService } from './subject-rights.service.js';

type Case = { id: string; sourceOrg: string; subjectKind: string; reading: CaseReading };

async function organization(ctx: RequestContext, code: string) {
  const found = await ctx.organizations.load(code);
  if (!found) throw new Error('case organisation missing');
  return found;
}

@Resolver()
export class SubjectRightsResolver {
  @Mutation(() => Objection, { description: 'R1: the subject contests one of its records' })
  @Allow('subject')
  fileObjection(@Ctx() ctx: RequestContext, @Arg('recordId', () => ID) recordId: string, @Arg('reason', () => String) reason: string) {
    return subjectRightsService.fileObjection(ctx, recordId, reason);
  }

  @Mutation(() => Objection, { description: "R2: the record's source department resolves an objection, with a note" })
  @Allow('department')
  resolveObjection(
    @Ctx() ctx: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('outcome', () => ObjectionOutcome) outcome: 'CORRECTED' | 'NOT_ERRONEOUS' | 'UNDETERMINED',
    @Arg('note', () => String) note: string,
    @Arg('correction', () => RecordCorrectionInput, { nullable: true }) correction?: RecordCorrectionInput | null,
  ) {
    return subjectRightsService.resolveObjection(ctx, id, outcome, note, correction);
  }

  @Mutation(() => RepairApplication, { description: 'R3: the subject applies for repair of one of its negative records' })
  @Allow('subject')
  applyForRepair(
    @Ctx() ctx: RequestContext,
    @Arg('recordId', () => ID) recordId: string,
    @Arg('commitment', () => String) commitment: string,
    @Arg('evidence', () => String) evidence: string,
  ) {
    return subjectRightsService.applyForRepair(ctx, recordId, commitment, evidence);
  }

  @Mutation(() => RepairApplication, { description: "R3: the record's source department approves (the record becomes REPAIRED) or rejects" })
  @Allow('department')
  decideRepair(
    @Ctx() ctx: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('approve', () => Boolean) approve: boolean,
    @Arg('reason', () => String) reason: string,
  ) {
    return subjectRightsService.decideRepair(ctx, id, approve, reason);
  }

  @Query(() => ObjectionConnection, { description: 'R2: pending objections past their working-day deadline, oldest first' })
  @Allow('admin', 'auditor')
  overdueObjections(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return subjectRightsService.pendingObjections(ctx, 'OVERDUE', first, after);
  }

  @Query(() => ObjectionConnection, { description: "the caller department's pending objections, oldest first" })
  @Allow('department')
  objectionsToResolve(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return subjectRightsService.pendingObjections(ctx, 'TO_RESOLVE', first, after);
  }

  @Query(() => RepairApplicationConnection, { description: "the caller department's pending repair applications, oldest first" })
  @Allow('department')
  repairApplicationsToDecide(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return subjectRightsService.repairApplicationsToDecide(ctx, first, after);
  }

  @Query(() => CaseEventConnection, { description: 'auditors: every objection and repair state change, who and when, newest first' })
  @Allow('auditor')
  caseEvents(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => CaseEventFilter, { nullable: true }) filter?: CaseEventFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return subjectRightsService.caseEvents(ctx, filter, first, after);
  }
}

@Resolver(() => Objection)
export class ObjectionFieldsResolver {
  @FieldResolver(() => Organization)
  source(@Ctx() ctx: RequestContext, @Root() objection: Objection & Case) {
    return organization(ctx, objection.sourceOrg);
  }

  @FieldResolver(() => [CaseEvent], { description: 'filed and resolved: who and when' })
  history(@Ctx() ctx: RequestContext, @Root() objection: Objection & Case) {
    return subjectRightsService.historyOf(ctx, objection);
  }
}

@Resolver(() => RepairApplication)
export class RepairApplicationFieldsResolver {
  @FieldResolver(() => Organization)
  source(@Ctx() ctx: RequestContext, @Root() application: RepairApplication & Case) {
    return organization(ctx, application.sourceOrg);
  }

  @FieldResolver(() => [CaseEvent], { description: 'applied and decided: who and when' })
  history(@Ctx() ctx: RequestContext, @Root() application: RepairApplication & Case) {
    return subjectRightsService.historyOf(ctx, application);
  }
}

@Resolver(() => CaseEvent)
export class CaseEventFieldsResolver {
  @FieldResolver(() => Organization, { nullable: true })
  organization(@Ctx() ctx: RequestContext, @Root() event: CaseEvent) {
    return event.orgCode ? ctx.organizations.load(event.orgCode) : null;
  }
}

@Resolver(() => Subject)
export class SubjectRightsFieldsResolver {
  @FieldResolver(() => [Objection], { nullable: true, description: 'self only: objections filed, with status and outcome' })
  objections(@Ctx() ctx: RequestContext, @Root() subject: Subject) {
    return subject.decision.view === 'SELF' ? subjectRightsService.objectionsOf(ctx, subject) : null;
  }

  @FieldResolver(() => [RepairApplication], { nullable: true, description: 'self only: repair applications, with status and reason' })
  repairApplications(@Ctx() ctx: RequestContext, @Root() subject: Subject) {
    return subject.decision.view === 'SELF' ? subjectRightsService.repairApplicationsOf(ctx, subject) : null;
  }
}

@Resolver(() => CreditRecord)
export class RecordDisputeResolver {
  @FieldResolver(() => RecordDispute, {
    nullable: true,
    description: 'a disputed record: the objection and, when UNDETERMINED, the note; for views that see details (null for the public); its texts for the subject and the source department only (R1)',
  })
  dispute(@Ctx() ctx: RequestContext, @Root() record: CreditRecord) {
    if (!record.disputed || !record.fields.dispute) return null;
    return subjectRightsService.disputeOf(ctx, { id: record.id, sourceOrg: record.row.sourceOrg, reader: record.reader, asOf: record.asOf });
  }
}
