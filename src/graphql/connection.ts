import { Field, Int, ObjectType, type ClassType } from 'type-graphql';

/**
 * `simpleResolvers`: plain fields are read straight off the object by graphql's default resolver instead of
 * through type-graphql's per-field wrapper (hot types only: connections, records, subjects, organisations). Safe
 * because the gateway has no field middlewares — access is decided per operation (src/graphql/access.ts) and
 * what a field may show is decided before the object is built (policies/fields.ts).
 */
@ObjectType({ simpleResolvers: true })
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
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field(() => String) cursor!: string;
    @Field(() => nodeType) node!: T;
  }
  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionClass {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    @Field(() => Int, { description: 'visible rows only' }) totalCount!: number;
  }
  return ConnectionClass as ClassType<ConnectionShape<T>>;
}

/**
 * A connection of `nodes`. `cursors` may be a function of the node's index: each cursor is then encoded only if
 * the response selects it (a records page rarely asks for cursors of every edge).
 */
export function toConnection<T>(
  nodes: T[], cursors: readonly string[] | ((index: number) => string), hasNextPage: boolean, totalCount: number,
): ConnectionShape<T> {
  const cursorOf = typeof cursors === 'function' ? cursors : (index: number) => cursors[index];
  const last = nodes.length - 1;
  return {
    edges: nodes.map((node, i) => ({ get cursor() { return cursorOf(i); }, node })),
    pageInfo: { hasNextPage, get endCursor() { return last >= 0 ? cursorOf(last) : null; } },
    totalCount,
  };
}
