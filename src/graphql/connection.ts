import { Field, Int, ObjectType, type ClassType } from 'type-graphql';

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A Relay connection type `<Name>Connection` with `<Name>Edge` (SPEC §10.3). */
export function Connection<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String) cursor!: string;
    @Field(() => nodeType) node!: T;
  }
  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    @Field(() => Int, { description: 'visible rows only' }) totalCount!: number;
  }
  return ConnectionClass as ClassType<ConnectionShape<T>>;
}

export function toConnection<T>(nodes: T[], cursors: string[], hasNextPage: boolean, totalCount: number): ConnectionShape<T> {
  return {
    edges: nodes.map((node, i) => ({ cursor: cursors[i], node })),
    pageInfo: { hasNextPage, endCursor: cursors.length ? cursors[cursors.length - 1] : null },
    totalCount,
  };
}
