import 'reflect-metadata';
import { buildSchema } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { ViewerResolver } from '../modules/viewer/viewer.resolver.js';
import { CatalogResolver } from '../modules/catalog/catalog.resolver.js';
import { OrganizationsResolver } from '../modules/organizations/organizations.resolver.js';
import { SubjectsResolver } from '../modules/subjects/subjects.resolver.js';
import { RecordFieldsResolver } from '../modules/records/records.resolver.js';
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
    validate: false,
  });
  return cached;
}
