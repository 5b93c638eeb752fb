import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Allow, ALL_ROLES } from '../../graphql/access.js';
import { Organization } from '../organizations/organization.type.js';
import { CatalogType, ProfessionalGroup } from './catalog.type.js';
import { catalogService } from './catalog.service.js';
import { issuersService } from './issuers.service.js';

@Resolver(() => CatalogType)
export class CatalogResolver {
  @Query(() => [CatalogType], { description: 'record types and their rules' })
  @Allow(...ALL_ROLES)
  catalog(@Ctx() ctx: RequestContext) {
    return catalogService.catalog(ctx);
  }

  @Query(() => [ProfessionalGroup])
  @Allow(...ALL_ROLES)
  professionalGroups(@Ctx() ctx: RequestContext) {
    return catalogService.professionalGroups(ctx);
  }

  @Mutation(() => CatalogType, { description: 'W5: replaces the organisations that may file a type (empty: every department)' })
  @Allow('admin')
  setIssuers(
    @Ctx() ctx: RequestContext,
    @Arg('type', () => String) type: string,
    @Arg('orgCodes', () => [String]) orgCodes: string[],
  ) {
    return issuersService.setIssuers(ctx, type, orgCodes);
  }

  @FieldResolver(() => [Organization], { description: 'W5: who may file this type; empty: every department may' })
  issuers(@Ctx() ctx: RequestContext, @Root() type: CatalogType) {
    return ctx.issuers.load(type.code);
  }
}
