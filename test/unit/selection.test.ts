import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectsField } from '../../src/graphql/selection.js';

/**
 * Issue 15: the read-ahead helpers walk a field's selection through its fragments. A chain of n fragments, each
 * spreading the next twice, must cost n fragment visits, not 2^n (a small admitted document blocked the event loop
 * for hundreds of milliseconds at 19 fragments).
 */
function chain(n: number, leaf: string): string {
  const fragments = Array.from({ length: n }, (_, i) => i + 1 < n
    ? `fragment F${i} on CreditRecordConnection { ...F${i + 1} ...F${i + 1} }`
    : `fragment F${i} on CreditRecordConnection { ${leaf} }`);
  return `{ subject(code: "x") { records { ...F0 } } } ${fragments.join(' ')}`;
}

function infoOf(document: string): GraphQLResolveInfo {
  const ast = parse(document);
  const operation = ast.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const subject = operation.selectionSet.selections[0] as FieldNode;
  const records = subject.selectionSet!.selections[0] as FieldNode;
  const fragments = Object.fromEntries(ast.definitions
    .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  return { fieldNodes: [records], fragments } as unknown as GraphQLResolveInfo;
}

describe('§11: read-ahead selection walks are linear in the fragments', () => {
  it('§11: a chain of 40 fragments each spread twice is walked at once, and the answer is still right', () => {
    const started = performance.now();
    expect(selectsField(infoOf(chain(40, 'totalCount')), ['edges', 'pageInfo'])).toBe(false);
    expect(selectsField(infoOf(chain(40, 'edges { cursor }')), ['edges', 'pageInfo'])).toBe(true);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
