import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { selectsField } from '../../graphql/selection.js';
import type { RequestContext } from '../../context/request-context.js';
import { Allow } from '../../graphql/access.js';
import { DateTimeScalar } from '../../graphql/scalars.js';
import { Organization } from '../organizations/organization.type.js';
import { Subject } from '../subjects/subject.type.js';
import { AccessEvent, AccessEventConnection, AccessLogFilter, AccessLogVerification, AccessReceipt, AccessReceiptConnection, SignedCheckpoint } from './access-log.type.js';
import { accessLogService } from './access-log.service.js';

@Resolver()
export class AccessLogResolver {
  @Query(() => AccessEventConnection, { description: 'auditors: the access log, newest first (L4); this call is logged too' })
  @Allow('auditor')
  accessLog(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => AccessLogFilter, { nullable: true }) filter?: AccessLogFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Info() info?: GraphQLResolveInfo,
  ) {
    return accessLogService.accessLog(ctx, filter, first, after, info ? selectsField(info, ['totalCount']) : true);
  }

  @Query(() => AccessLogVerification, {
    description: 'auditors: recompute the hash chain over a time range (L3), the case events\' chain, and compare the database with the newest signed checkpoint or the one passed (L6)',
  })
  @Allow('auditor')
  verifyAccessLog(
    @Ctx() ctx: RequestContext,
    @Arg('from', () => DateTimeScalar, { nullable: true }) from?: Date | null,
    @Arg('to', () => DateTimeScalar, { nullable: true }) to?: Date | null,
    @Arg('checkpoint', () => String, { nullable: true, description: 'a checkpoint document kept outside (e.g. by a log shipper); default: the newest in CHECKPOINT_DIR' })
    checkpoint?: string | null,
  ) {
    return accessLogService.verify(ctx, from, to, checkpoint);
  }

  @Mutation(() => SignedCheckpoint, { description: 'auditors and admins: sign the chains\' heads now and write the checkpoint out (L6); this call is logged first' })
  @Allow('auditor', 'admin')
  signCheckpoint(@Ctx() ctx: RequestContext) {
    return accessLogService.signCheckpoint(ctx);
  }
}

@Resolver(() => AccessEvent)
export class AccessEventFieldsResolver {
  @FieldResolver(() => Organization, { nullable: true })
  organization(@Ctx() ctx: RequestContext, @Root() event: AccessEvent) {
    return event.orgCode ? ctx.organizations.load(event.orgCode) : null;
  }
}

@Resolver(() => AccessReceipt)
export class AccessReceiptFieldsResolver {
  @FieldResolver(() => Organization)
  async organization(@Ctx() ctx: RequestContext, @Root() receipt: AccessReceipt) {
    const organization = await ctx.organizations.load(receipt.orgCode);
    if (!organization) throw new Error('receipt organisation missing');
    return organization;
  }
}

@Resolver(() => Subject)
export class SubjectReceiptsResolver {
  @FieldResolver(() => AccessReceiptConnection, { nullable: true, description: 'self only: department and agency views of this subject (L5)' })
  accessReceipts(
    @Ctx() ctx: RequestContext,
    @Root() subject: Subject,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Info() info?: GraphQLResolveInfo,
  ) {
    if (subject.decision.view !== 'SELF') return null;
    return accessLogService.receipts(ctx, subject.row.code, first, after, info ? selectsField(info, ['totalCount']) : true);
  }
}
