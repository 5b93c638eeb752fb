import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Info, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { selectsField } from '../../graphql/selection.js';
import { Allow, ALL_ROLES } from '../../graphql/access.js';
import { PublicNoticeConnection } from './notice.type.js';
import { noticesService } from './notices.service.js';

@Resolver()
export class NoticesResolver {
  @Query(() => PublicNoticeConnection, {
    description: 'everyone (WEB2): records of these types (1–10) the public may see now, newest decision first, with their subjects, in the public view',
  })
  @Allow(...ALL_ROLES)
  publicNotices(
    @Ctx() ctx: RequestContext,
    @Arg('types', () => [String]) types: string[],
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Info() info?: GraphQLResolveInfo,
  ) {
    // totalCount is a count over every matching record: computed only when the response asks for it
    return noticesService.notices(ctx, { types, first, after }, info ? selectsField(info, ['totalCount']) : true);
  }
}
