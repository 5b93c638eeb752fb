import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Scenario, Severity } from '../../graphql/enums.js';

export const MeasureKind = { INCENTIVE: 'INCENTIVE', PUNISHMENT: 'PUNISHMENT' } as const;
export const MeasureEffect = { RESTRICT: 'RESTRICT', WARN: 'WARN', INCENTIVE: 'INCENTIVE' } as const;
registerEnumType(MeasureKind, { name: 'MeasureKind' });
registerEnumType(MeasureEffect, { name: 'MeasureEffect' });

@ObjectType({ description: 'A joint reward or punishment measure (SPEC §7 C2).' })
export class Measure {
  @Field(() => String) code!: string;
  @Field(() => String) name!: string;
  @Field(() => String) nameZh!: string;
  @Field(() => MeasureKind) kind!: string;
  @Field(() => MeasureEffect) effect!: string;
  @Field(() => [String], { description: 'record types that trigger it' }) triggerTypes!: string[];
  @Field(() => [Severity], { nullable: true, description: 'null: any severity' }) triggerSeverities!: string[] | null;
  @Field(() => [String], { nullable: true, description: 'null: any grade (tax grades A B M C D)' }) triggerGrades!: string[] | null;
  @Field(() => [Scenario]) scenarios!: string[];
  @Field(() => String) legalBasis!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
}
