import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Allow } from '../../graphql/access.js';
import { Organization } from '../organizations/organization.type.js';
import { Subject } from '../subjects/subject.type.js';
import { Grant, GrantConnection, GrantInput } from './grant.type.js';
import { grantsService } from './grants.service.js';

@Resolver(() => Grant)
export class GrantsResolver {
  @Mutation(() => Grant, { description: 'the subject authorises an agency (SPEC §5)' })
  @Allow('subject')
  grantAuthorization(@Ctx() ctx: RequestContext, @Arg('input', () => GrantInput) input: GrantInput) {
    return grantsService.grant(ctx, input);
  }

  @Mutation(() => Grant, { description: 'the subject revokes one of its grants; effective at the next request' })
  @Allow('subject')
  revokeAuthorization(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return grantsService.revoke(ctx, id);
  }

  @Query(() => GrantConnection, { description: 'agency: grants it holds' })
  @Allow('agency')
  myGrants(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return grantsService.ofAgency(ctx, first, after);
  }

  @FieldResolver(() => Organization)
  async agency(@Ctx() ctx: RequestContext, @Root() grant: Grant) {
    const organization = await ctx.organizations.load(grant.agencyCode);
    if (!organization) throw new Error('grant agency missing');
    return organization;
  }
}

@Resolver(() => Subject)
export class SubjectGrantsResolver {
  @FieldResolver(() => [Grant], { nullable: true, description: 'self only: the grants this subject gave' })
  grants(@Ctx() ctx: RequestContext, @Root() subject: Subject) {
    return subject.decision.view === 'SELF' ? grantsService.ofSubject(ctx, subject) : null;
  }
}
