import { Field, ObjectType } from 'type-graphql';
import { PurposeKind, Role } from '../../graphql/enums.js';
import { Organization } from '../organizations/organization.type.js';

@ObjectType('Viewer', { description: 'Who is asking, from the verified token.' })
export class ViewerInfo {
  @Field(() => Role) role!: string;
  @Field(() => String, { nullable: true, description: 'token sub' }) actor!: string | null;
  @Field(() => Organization, { nullable: true }) organization!: Organization | null;
  @Field(() => String, { nullable: true }) subjectCode!: string | null;
  @Field(() => [PurposeKind]) allowedPurposes!: string[];
}

@ObjectType('Purpose')
export class PurposeType {
  @Field(() => PurposeKind) kind!: string;
  @Field(() => String) reference!: string;
}
