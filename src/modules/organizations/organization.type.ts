import { Field, InputType, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../../graphql/scalars.js';
import { OrganizationKind, OrganizationStatus } from '../../graphql/enums.js';

@ObjectType({ description: 'A registered party that calls the API (SPEC §1).', simpleResolvers: true })
export class Organization {
  @Field(() => String) code!: string;
  @Field(() => String) name!: string;
  @Field(() => OrganizationKind) kind!: string;
  @Field(() => OrganizationStatus) status!: string;
  @Field(() => DateTimeScalar) createdAt!: Date;
}

@InputType()
export class OrganizationInput {
  @Field(() => String) code!: string;
  @Field(() => String) name!: string;
  @Field(() => OrganizationKind) kind!: string;
  @Field(() => String, { nullable: true, description: 'PEER_PLATFORM (required): its Ed25519 public key, PEM (X4)' }) publicKey?: string | null;
}
