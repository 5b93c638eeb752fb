import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Allow, ALL_ROLES } from '../../graphql/access.js';
import { OrganizationKind, OrganizationStatus } from '../../graphql/enums.js';
import { Organization, OrganizationInput } from './organization.type.js';
import { organizationsService } from './organizations.service.js';

@Resolver()
export class OrganizationsResolver {
  @Query(() => [Organization])
  @Allow(...ALL_ROLES)
  organizations(
    @Ctx() ctx: RequestContext,
    @Arg('kind', () => OrganizationKind, { nullable: true }) kind?: string | null,
  ) {
    return organizationsService.list(ctx, kind);
  }

  @Mutation(() => Organization)
  @Allow('admin')
  registerOrganization(@Ctx() ctx: RequestContext, @Arg('input', () => OrganizationInput) input: OrganizationInput) {
    return organizationsService.register(ctx, input);
  }

  @Mutation(() => Organization, { description: "X4: replaces a peer platform's Ed25519 public key (key rotation)" })
  @Allow('admin')
  setPeerPublicKey(
    @Ctx() ctx: RequestContext,
    @Arg('code', () => String) code: string,
    @Arg('publicKey', () => String) publicKey: string,
  ) {
    return organizationsService.setPeerPublicKey(ctx, code, publicKey);
  }

  @Mutation(() => Organization)
  @Allow('admin')
  setOrganizationStatus(
    @Ctx() ctx: RequestContext,
    @Arg('code', () => String) code: string,
    @Arg('status', () => OrganizationStatus) status: string,
  ) {
    return organizationsService.setStatus(ctx, code, status);
  }
}
