import { Field, ObjectType } from 'type-graphql';
import { DateScalar } from '../../graphql/scalars.js';
import { SubjectKind, SubjectStatus, ViewTier } from '../../graphql/enums.js';
import { Connection } from '../../graphql/connection.js';
import { Redaction } from '../records/record.type.js';
import type { SubjectRow } from './subjects.repository.js';
import type { ViewDecision } from '../../../policies/viewer.js';
import type { ScopedAccess } from '../../context/scoped-access.js';
import type { DisclosureEntry } from '../../context/disclosures.js';

@ObjectType({ description: 'A credit subject as disclosed to the viewer: `view` says under which tier, `redactions` what was withheld.', simpleResolvers: true })
export class Subject {
  @Field(() => String) code!: string;
  @Field(() => SubjectKind) kind!: string;
  @Field(() => String) name!: string;
  @Field(() => SubjectStatus) status!: string;
  @Field(() => DateScalar, { nullable: true }) registeredAt!: string | null;
  @Field(() => String, { nullable: true }) address!: string | null;
  @Field(() => String, { nullable: true }) legalRepresentative!: string | null;
  @Field(() => String, { nullable: true }) legalRepresentativeId!: string | null;
  @Field(() => Boolean, { description: 'I5: the code fails its checksum and was accepted from the exception table' })
  codeFlagged!: boolean;
  @Field(() => ViewTier) view!: string;
  @Field(() => [Redaction]) redactions!: Redaction[];

  /** not in the schema */
  row!: SubjectRow;
  decision!: ViewDecision;
  access!: ScopedAccess;
  disclosure!: DisclosureEntry;
}

export const SubjectConnection = Connection(Subject, 'Subject');
