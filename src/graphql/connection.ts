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
    return asError(error) as V;
  }
}

/** What `orError` returns for a thrown value (the edges below return it without a closure per read). */
const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** What the edges of one lazy connection share: how to build node `i` (once) and cursor `i`. */
class LazyNodes<T> {
  private readonly built: (T | undefined)[];
  private readonly done: boolean[];

  constructor(count: number, private readonly nodeAt: (index: number) => T, readonly cursorOf: (index: number) => string) {
    this.built = new Array<T | undefined>(count);
    this.done = new Array<boolean>(count).fill(false);
  }

  node(i: number): T {
    if (!this.done[i]) {
      this.built[i] = this.nodeAt(i);
      this.done[i] = true;
    }
    return this.built[i] as T;
  }
}

/** One edge: its node and cursor are read through the shared LazyNodes (prototype getters, no closures per edge). */
class LazyEdge<T> {
  constructor(private readonly nodes: LazyNodes<T>, private readonly index: number) {}

  get cursor(): string {
    try {
      return this.nodes.cursorOf(this.index);
    } catch (error) {
      return asError(error) as unknown as string;
    }
  }

  get node(): T {
    try {
      return this.nodes.node(this.index);
    } catch (error) {
      return asError(error) as unknown as T;
    }
  }
}

/**
 * A lazy connection's pageInfo: `endCursor` is a prototype getter. An object literal with a getter would do the same,
 * but on Node 20 (V8 11.3) each such literal gets a hidden class of its own and keeps what it points to alive through
 * minor GCs (bench/RESULTS.md 4g).
 */
class LazyPageInfo {
  constructor(readonly hasNextPage: boolean, private readonly count: number, private readonly cursorOf: (index: number) => string) {}

  get endCursor(): string | null {
    return this.count > 0 ? orError(() => this.cursorOf(this.count - 1)) : null;
  }
}

/**
 * A connection whose node `i` is built by `nodeAt(i)` only when the response selects it, once: a node that carries
 * subject data registers its disclosure there (L1), so `{ totalCount }` or `{ edges { cursor } }` alone discloses
 * no subject and logs none. A node or cursor that throws is answered as that field's error (`asError`, as `orError` does).
 */
export function toLazyConnection<T>(
  count: number, nodeAt: (index: number) => T, cursors: readonly string[] | ((index: number) => string), hasNextPage: boolean,
  totalCount: number,
): ConnectionShape<T> {
  const cursorOf = typeof cursors === 'function' ? cursors : (index: number) => cursors[index];
  const nodes = new LazyNodes(count, nodeAt, cursorOf);
  const edges = new Array<{ cursor: string; node: T }>(count);
  for (let i = 0; i < count; i += 1) edges[i] = new LazyEdge(nodes, i);
  return {
    edges,
    pageInfo: new LazyPageInfo(hasNextPage, count, cursorOf),
    totalCount,
  };
}
