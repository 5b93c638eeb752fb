import { Arg, Ctx, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { childFieldArguments, selectsField } from '../../graphql/selection.js';
import type { RequestContext } from '../../context/request-context.js';
import { Allow, ALL_ROLES } from '../../graphql/access.js';
import { RecordCategory, SubjectKind } from '../../graphql/enums.js';
import { CreditRecord, CreditRecordConnection } from '../records/record.type.js';
import { recordsService } from '../records/records.service.js';
import { Subject, SubjectConnection } from './subject.type.js';
import { PurposeInput } from './subject.inputs.js';
import { subjectsService } from './subjects.service.js';

@Resolver(() => Subject)
export class SubjectsResolver {
  @Query(() => Subject, { nullable: true, description: 'null when no subject with this code is visible to the caller (P0, P3)' })
  @Allow(...ALL_ROLES)
  subject(
    @Ctx() ctx: RequestContext,
    @Arg('code', () => String) code: string,
    @Arg('purpose', () => PurposeInput, { nullable: true }) purpose?: PurposeInput | null,
    @Info() info?: GraphQLResolveInfo,
  ) {
    return subjectsService.subject(ctx, code, purpose, info ? childFieldArguments(info, 'records') : null);
  }

  @Query(() => SubjectConnection)
  @Allow(...ALL_ROLES)
  searchSubjects(
    @Ctx() ctx: RequestContext,
    @Arg('query', () => String) query: string,
    @Arg('kind', () => SubjectKind, { nullable: true }) kind?: string | null,
    @Arg('professionalGroup', () => String, { nullable: true }) professionalGroup?: string | null,
    @Arg('purpose', () => PurposeInput, { nullable: true }) purpose?: PurposeInput | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Info() info?: GraphQLResolveInfo,
  ) {
    // totalCount counts every match (a common query matches a large share of all subjects): only when asked for
    return subjectsService.search(ctx, { query, kind, professionalGroup, purpose, first, after }, info ? selectsField(info, ['totalCount']) : true);
  }

  @FieldResolver(() => CreditRecordConnection)
  records(
    @Ctx() ctx: RequestContext,
    @Root() subject: Subject,
    @Arg('categories', () => [RecordCategory], { nullable: true }) categories?: string[] | null,
    @Arg('types', () => [String], { nullable: true }) types?: string[] | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Info() info?: GraphQLResolveInfo,
  ) {
    // L1: a response that asks only for totalCount discloses no record
    const disclosesRows = info ? selectsField(info, ['edges', 'pageInfo']) : true;
    return recordsService.recordsOf(ctx, subject, { categories, types, first, after }, disclosesRows);
  }

  @FieldResolver(() => [CreditRecord], { description: 'active PROFESSIONAL records' })
  qualifications(@Ctx() ctx: RequestContext, @Root() subject: Subject) {
    return recordsService.qualificationsOf(ctx, subject);
  }
}
