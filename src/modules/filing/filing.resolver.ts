import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context/request-context.js';
import { Allow } from '../../graphql/access.js';
import { CreditRecord } from '../records/record.type.js';
import { SubjectInput } from '../subjects/subject.inputs.js';
import { BatchResult, RecordInput } from './filing.inputs.js';
import { filingService } from './filing.service.js';

@Resolver()
export class FilingResolver {
  @Mutation(() => BatchResult, { description: 'up to 1,000 subjects, atomic (W1); a peer platform registers the subjects of the records it sends (X3)' })
  @Allow('department', 'admin', 'exchange')
  registerSubjects(@Ctx() ctx: RequestContext, @Arg('subjects', () => [SubjectInput]) rows: SubjectInput[]) {
    return filingService.registerSubjects(ctx, rows);
  }

  @Mutation(() => BatchResult, { description: 'up to 1,000 records, atomic (W1–W3); a peer platform (exchange) files its records with their origin (X3)' })
  @Allow('department', 'exchange')
  submitRecords(@Ctx() ctx: RequestContext, @Arg('records', () => [RecordInput]) rows: RecordInput[]) {
    return filingService.submitRecords(ctx, rows);
  }

  @Mutation(() => CreditRecord, { description: 'source department (or source peer platform, X3) only' })
  @Allow('department', 'exchange')
  withdrawRecord(
    @Ctx() ctx: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String) reason: string,
  ) {
    return filingService.withdrawRecord(ctx, id, reason);
  }
}
