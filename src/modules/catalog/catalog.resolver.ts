import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Allow, ALL_ROLES } from '../../graphql/access.js';
import { CatalogType, ProfessionalGroup } from './catalog.type.js';
import { catalogService } from './catalog.service.js';

@Resolver()
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
}
