import { Field, ObjectType } from 'type-graphql';
import { Disclosure, PublicityRule, RecordCategory, RecordNature } from '../../graphql/enums.js';

@ObjectType({ description: 'A record type of the catalog and its disclosure rules (SPEC §3, §4.2).' })
export class CatalogType {
  @Field(() => String) code!: string;
  @Field(() => String) name!: string;
  @Field(() => String) nameZh!: string;
  @Field(() => RecordCategory) category!: string;
  @Field(() => RecordNature) nature!: string;
  @Field(() => Disclosure, { description: 'the loosest disclosure class a record of this type may have' })
  loosestDisclosure!: string;
  @Field(() => PublicityRule) publicityRule!: string;
  @Field(() => String, { nullable: true }) generalPublicPeriod!: string | null;
  @Field(() => String, { nullable: true }) seriousPublicPeriod!: string | null;
  @Field(() => String, { nullable: true }) defaultPublicPeriod!: string | null;
  @Field(() => String, { nullable: true }) maxPublicPeriod!: string | null;
  @Field(() => Boolean) publicForIndividuals!: boolean;
  @Field(() => Boolean) repairable!: boolean;
  @Field(() => Boolean) requiresGroup!: boolean;
  @Field(() => String, { nullable: true }) legalBasis!: string | null;
}

@ObjectType({ description: 'A key professional group (SPEC §3).' })
export class ProfessionalGroup {
  @Field(() => String) code!: string;
  @Field(() => String) name!: string;
  @Field(() => String) nameZh!: string;
}
