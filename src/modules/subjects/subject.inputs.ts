import { Field, InputType } from 'type-graphql';
import { DateScalar } from '../../graphql/scalars.js';
import { PurposeKind, SubjectKind } from '../../graphql/enums.js';

@InputType({ description: 'Why a query is made (查询事由, SPEC §5).' })
export class PurposeInput {
  @Field(() => PurposeKind) kind!: string;
  @Field(() => String, { description: 'case or application number, 1–64 characters' }) reference!: string;
}

@InputType()
export class SubjectInput {
  @Field(() => String) code!: string;
  @Field(() => SubjectKind) kind!: string;
  @Field(() => String) name!: string;
  @Field(() => DateScalar, { nullable: true }) registeredAt?: string | null;
  @Field(() => String, { nullable: true }) address?: string | null;
  @Field(() => String, { nullable: true }) legalRepresentative?: string | null;
  @Field(() => String, { nullable: true }) legalRepresentativeId?: string | null;
}
