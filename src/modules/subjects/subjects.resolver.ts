import { Arg, Ctx, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { childFieldArguments, selectsField, selectsOnly, selectsPath } from '../../graphql/selection.js';
import type { RequestContext } from '../../context/request-context.js';
import { Allow, ALL_ROLES } from '../../graphql/access.js';
import { RecordCategory, SubjectKind } from '../../graphql/enums.js';
import { CreditRecord, CreditRecordConnection } from '../records/record.type.js';
import { recordsService } from '../records/records.service.js';
import { Subject, SubjectConnection } from './subject.type.js';
import { PurposeInput } from './subject.inputs.js';
import { subjectsService } from './subjects.service.js';

/** The arguments of `Query.subject`, `Query.searchSubjects` and `Subject.records`, as GraphQL hands them over. */
interface SubjectArgs { code: string; purpose?: PurposeInput | null }
interface SearchArgs {
  query: string; kind?: string | null; professionalGroup?: string | null; purpose?: PurposeInput | null; first?: number | null; after?: string | null;
}
interface RecordsFieldArgs { categories?: string[] | null; types?: string[] | null; first?: number | null; after?: string | null }

const PLACED_RECORDS = ['records', 'edges', 'node'] as const;
/** Subject fields that add nothing to the subject's disclosure entry (`qualifications`, `objections` … add record ids). */
const FIELDS_BESIDE_THE_PAGE: ReadonlySet<string> = new Set([
  '__typename', 'code', 'kind', 'name', 'status', 'registeredAt', 'address', 'legalRepresentative', 'legalRepresentativeId',
  'codeFlagged', 'view', 'redactions', 'records',
]);

/**
 * Issue 18: whether the subject's disclosure entry will name exactly the records of the page read ahead — the response
 * places the page (`records { edges { node } }`) and selects nothing else that names records. Only then may the read
 * store the event in the same statement (subjectsService.subject); writeDisclosures still compares.
 */
function placesExactlyItsPage(info: GraphQLResolveInfo): boolean {
  return selectsOnly(info, FIELDS_BESIDE_THE_PAGE) && selectsPath(info, PLACED_RECORDS);
}

/**
 * The hot read fields as plain functions of (parent, arguments, context, info). The schema calls them directly
 * (src/graphql/schema.ts, `plainResolvers`): type-graphql's wrapper around a class method collects each argument
 * through an async validation step even with validation off, so each of these fields cost a Promise.all and
 * microtask hops per request. The class methods below delegate to them, for type-graphql's metadata.
 */
export const subjectFields = {
  subject(ctx: RequestContext, { code, purpose }: SubjectArgs, info: GraphQLResolveInfo | undefined) {
    // the selection is looked at for the fold only where the fold is allowed at all (compiled, primary, sole subject)
    const placesPage = info !== undefined && ctx.disclosures.foldable && placesExactlyItsPage(info);
    return subjectsService.subject(ctx, code, purpose, info ? childFieldArguments(info, 'records') : null, placesPage);
  },
  searchSubjects(ctx: RequestContext, { query, kind, professionalGroup, purpose, first, after }: SearchArgs, info: GraphQLResolveInfo | undefined) {
    // totalCount counts every match (a common query matches a large share of all subjects): only when asked for
    return subjectsService.search(ctx, { query, kind, professionalGroup, purpose, first, after }, info ? selectsField(info, ['totalCount']) : true);
  },
  records(ctx: RequestContext, subject: Subject, { categories, types, first, after }: RecordsFieldArgs, info: GraphQLResolveInfo | undefined) {
    // L1: a response that asks only for totalCount discloses no record
    const disclosesRows = info ? selectsField(info, ['edges', 'pageInfo']) : true;
    return recordsService.recordsOf(ctx, subject, { categories, types, first, after }, disclosesRows);
  },
};

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
    return subjectFields.subject(ctx, { code, purpose }, info);
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
    return subjectFields.searchSubjects(ctx, { query, kind, professionalGroup, purpose, first, after }, info);
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
    return subjectFields.records(ctx, subject, { categories, types, first, after }, info);
  }

  @FieldResolver(() => [CreditRecord], { description: 'active PROFESSIONAL records' })
  qualifications(@Ctx() ctx: RequestContext, @Root() subject: Subject) {
    return recordsService.qualificationsOf(ctx, subject);
  }
}
