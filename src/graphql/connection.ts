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
  return toLazyConnection(nodes.length, (i) => nodes[i], cursors, hasNextPage, totalCount);
}

/**
 * A getter's value, or the error it threw, returned: graphql-js and graphql-jit both answer a returned Error as that
 * field's error, while a getter that throws after an await leaves graphql-jit's execution unsettled (issue 18).
 */
function orError<V>(read: () => V): V {
  try {
    return read();
  } catch (error) {
    return (error instanceof Error ? error : new Error(String(error))) as V;
  }
}

/**
 * A connection whose node `i` is built by `nodeAt(i)` only when the response selects it, once: a node that carries
 * subject data registers its disclosure there (L1), so `{ totalCount }` or `{ edges { cursor } }` alone discloses
 * no subject and logs none.
 */
export function toLazyConnection<T>(
  count: number, nodeAt: (index: number) => T, cursors: readonly string[] | ((index: number) => string), hasNextPage: boolean,
  totalCount: number,
): ConnectionShape<T> {
  const cursorOf = typeof cursors === 'function' ? cursors : (index: number) => cursors[index];
  const built = new Map<number, T>();
  const node = (i: number): T => {
    if (!built.has(i)) built.set(i, nodeAt(i));
    return built.get(i)!;
  };
  const edges = new Array<{ cursor: string; node: T }>(count);
  for (let i = 0; i < count; i += 1) edges[i] = { get cursor() { return orError(() => cursorOf(i)); }, get node() { return orError(() => node(i)); } };
  return {
    edges,
    pageInfo: { hasNextPage, get endCursor() { return count > 0 ? orError(() => cursorOf(count - 1)) : null; } },
    totalCount,
  };
}
