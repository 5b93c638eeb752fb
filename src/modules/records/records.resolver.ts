import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Organization } from '../organizations/organization.type.js';
import { CreditRecord, CreditRecordVersion, RecordOrigin } from './record.type.js';
import type { OrganizationRow } from '../organizations/organizations.repository.js';
import { recordsService } from './records.service.js';

/**
 * `CreditRecord.source`. The schema calls this function directly (src/graphql/schema.ts, `plainResolvers`): a records
 * page calls it once per record, and type-graphql's wrapper around a class method (parameter collection, middleware
 * dispatch) cost more than the function itself.
 */
export function recordSource(ctx: RequestContext, record: CreditRecord): OrganizationRow | Promise<OrganizationRow> {
  // read with the page (records.service): answered synchronously, no promise per record
  if (record.sourceOrganization) return record.sourceOrganization;
  return ctx.organizations.load(record.row.sourceOrg).then((organization) => {
    if (!organization) throw new Error('record source organisation missing');
    return organization;
  });
}

@Resolver(() => CreditRecord)
export class RecordFieldsResolver {
  @FieldResolver(() => Organization, { description: 'the source organisation (one datum, one source: W2)' })
  source(@Ctx() ctx: RequestContext, @Root() record: CreditRecord) {
    return recordSource(ctx, record);
  }

  @FieldResolver(() => RecordOrigin, { nullable: true, description: 'X3: the peer platform a record came from and its id there; null for a record filed here' })
  origin(@Root() record: CreditRecord): RecordOrigin | null {
    const { originPlatform, originId } = record.row;
    return originPlatform && originId ? { platform: originPlatform, originId } : null;
  }

  @FieldResolver(() => [CreditRecordVersion], { nullable: true, description: 'earlier versions; null for the public view' })
  history(@Ctx() ctx: RequestContext, @Root() record: CreditRecord) {
    return recordsService.historyOf(ctx, record);
  }
}
