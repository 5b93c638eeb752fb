import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Allow, ALL_ROLES } from '../../graphql/access.js';
import { allowedPurposes } from '../../../policies/purposes.js';
import { ViewerInfo } from './viewer.type.js';

@Resolver()
export class ViewerResolver {
  @Query(() => ViewerInfo, { description: 'role, organisation, subject code, allowed purposes' })
  @Allow(...ALL_ROLES)
  async me(@Ctx() ctx: RequestContext): Promise<ViewerInfo> {
    const organization = ctx.viewer.orgCode ? await ctx.organizations.load(ctx.viewer.orgCode) : null;
    return {
      role: ctx.viewer.role,
      actor: ctx.viewer.actor,
      organization,
      subjectCode: ctx.viewer.subjectCode,
      allowedPurposes: [...allowedPurposes(ctx.viewer.role)],
    };
  }
}
