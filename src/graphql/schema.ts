import 'reflect-metadata';
import { buildSchema } from 'type-graphql';
import { assertObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { RequestContext } from '../context/request-context.js';
import { ViewerResolver } from '../modules/viewer/viewer.resolver.js';
import { CatalogResolver } from '../modules/catalog/catalog.resolver.js';
import { OrganizationsResolver } from '../modules/organizations/organizations.resolver.js';
import { SubjectsResolver, subjectFields } from '../modules/subjects/subjects.resolver.js';
import type { Subject } from '../modules/subjects/subject.type.js';
import { RecordFieldsResolver, recordSource } from '../modules/records/records.resolver.js';
import type { CreditRecord } from '../modules/records/record.type.js';
import { FilingResolver } from '../modules/filing/filing.resolver.js';
import {
  AccessEventFieldsResolver, AccessLogResolver, AccessReceiptFieldsResolver, SubjectReceiptsResolver,
} from '../modules/access-log/access-log.resolver.js';
import { GrantsResolver, SubjectGrantsResolver } from '../modules/grants/grants.resolver.js';
import { CreditCheckResolver } from '../modules/credit-check/credit-check.resolver.js';
import {
  CaseEventFieldsResolver, ObjectionFieldsResolver, RecordDisputeResolver, RepairApplicationFieldsResolver,
  SubjectRightsFieldsResolver, SubjectRightsResolver,
} from '../modules/subject-rights/subject-rights.resolver.js';
import { NoticesResolver } from '../modules/notices/notices.resolver.js';
import { ExchangeFeedResolver } from '../modules/exchange/feed.resolver.js';

let cached: Promise<GraphQLSchema> | null = null;

/** The executable schema (built once per process; it holds no per-request state). */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers: [
      ViewerResolver, CatalogResolver, OrganizationsResolver, SubjectsResolver, RecordFieldsResolver, FilingResolver,
      AccessLogResolver, AccessEventFieldsResolver, AccessReceiptFieldsResolver, SubjectReceiptsResolver,
      GrantsResolver, SubjectGrantsResolver, CreditCheckResolver,
      SubjectRightsResolver, ObjectionFieldsResolver, RepairApplicationFieldsResolver, CaseEventFieldsResolver,
      SubjectRightsFieldsResolver, RecordDisputeResolver, NoticesResolver, ExchangeFeedResolver,
    ],
    // no globalMiddlewares, authChecker or validateFn here: PLAIN_RESOLVERS below would skip them
    validate: false,
  }).then(plainResolvers);
  return cached;
}

/**
 * The hot read fields, called by the schema as plain functions instead of through type-graphql's wrapper around the
 * class method (which collects every argument through an async validation step, validation off or not, and a
 * record's `source` once per record): the same functions — the class methods call them too, for type-graphql's
 * metadata and the emitted schema. Allowed only where type-graphql adds nothing: no middleware (the gateway has
 * none, see src/graphql/connection.ts; access is decided per operation, src/graphql/access.ts, and visibility
 * before objects are built) and no argument that needs converting (these take scalars, enums and PurposeInput,
 * which the services read as plain data).
 */
const PLAIN_RESOLVERS: readonly [type: string, field: string, resolve: GraphQLFieldResolver<any, RequestContext, any>][] = [
  ['Query', 'subject', (_root: unknown, args, ctx, info) => subjectFields.subject(ctx, args, info)],
  ['Query', 'searchSubjects', (_root: unknown, args, ctx, info) => subjectFields.searchSubjects(ctx, args, info)],
  ['Subject', 'records', (subject: Subject, args, ctx, info) => subjectFields.records(ctx, subject, args, info)],
  ['CreditRecord', 'source', (record: CreditRecord, _args, ctx) => recordSource(ctx, record)],
];

function plainResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const [type, name, resolve] of PLAIN_RESOLVERS) {
    const field = assertObjectType(schema.getType(type)).getFields()[name];
    if (!field?.resolve) throw new Error(`${type}.${name} has no resolver to replace`);
    field.resolve = resolve;
  }
  return schema;
}
