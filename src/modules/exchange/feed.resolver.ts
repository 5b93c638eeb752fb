import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Info, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Allow } from '../../graphql/access.js';
import { selectsField } from '../../graphql/selection.js';
import { RecordChangeConnection } from './change.type.js';
import { feedService } from './feed.service.js';

@Resolver()
export class ExchangeFeedResolver {
  @Query(() => RecordChangeConnection, {
    description: 'exchange (X1): every change of a record this peer platform may receive, in commit order; a cursor resumes exactly after the last change received',
  })
  @Allow('exchange')
  recordChanges(
    @Ctx() ctx: RequestContext,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Info() info?: GraphQLResolveInfo,
  ) {
    return feedService.changes(ctx, { after, first }, info ? selectsField(info, ['totalCount']) : true);
  }
}
