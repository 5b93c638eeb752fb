import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Allow, ALL_ROLES } from '../../graphql/access.js';
import { Scenario } from '../../graphql/enums.js';
import { PurposeInput } from '../subjects/subject.inputs.js';
import { CreditCheck } from './credit-check.type.js';
import { Measure } from './measure.type.js';
import { creditCheckService } from './credit-check.service.js';

@Resolver()
export class CreditCheckResolver {
  @Query(() => [Measure], { description: 'the joint reward and punishment measures (C2)' })
  @Allow(...ALL_ROLES)
  measures(@Ctx() ctx: RequestContext) {
    return creditCheckService.measures(ctx);
  }

  @Query(() => CreditCheck, { description: 'departments: a verdict for a scenario, citing measures and records (C1–C3)' })
  @Allow('department')
  creditCheck(
    @Ctx() ctx: RequestContext,
    @Arg('code', () => String) code: string,
    @Arg('scenario', () => Scenario) scenario: string,
    @Arg('purpose', () => PurposeInput) purpose: PurposeInput,
  ) {
    return creditCheckService.check(ctx, code, scenario, purpose);
  }

  @Query(() => CreditCheck, { nullable: true, description: 'the stored result of a check, for the organisation that ran it' })
  @Allow('department')
  creditCheckReceipt(@Ctx() ctx: RequestContext, @Arg('checkId', () => ID) checkId: string) {
    return creditCheckService.receipt(ctx, checkId);
  }
}
