import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectsField, selectsOnly, selectsPath } from '../../src/graphql/selection.js';

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

/** The `subject` field's own info (its selection is what selectsPath and selectsOnly walk). */
function subjectInfoOf(document: string): GraphQLResolveInfo {
  const ast = parse(document);
  const operation = ast.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(ast.definitions
    .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments } as unknown as GraphQLResolveInfo;
}

describe('issue 18: whether a subject response places exactly its page (the fold\'s precondition)', () => {
  const PATH = ['records', 'edges', 'node'];
  const BESIDE = new Set(['code', 'name', 'records']);

  it('L1: records { edges { node } } is found directly, through fragments and inline fragments; cursors or counts alone are not placing', () => {
    expect(selectsPath(subjectInfoOf('{ subject(code: "x") { code records { edges { node { id } } } } }'), PATH)).toBe(true);
    expect(selectsPath(subjectInfoOf('{ subject(code: "x") { ...S } } fragment S on Subject { records { ...P } } fragment P on CreditRecordConnection { ... on CreditRecordConnection { edges { node { id } } } }'), PATH)).toBe(true);
    expect(selectsPath(subjectInfoOf('{ subject(code: "x") { records { edges { cursor } totalCount pageInfo { endCursor } } } }'), PATH)).toBe(false);
    expect(selectsPath(subjectInfoOf('{ subject(code: "x") { code } }'), PATH)).toBe(false);
    // `node` under another field than edges is not a placed record
    expect(selectsPath(subjectInfoOf('{ subject(code: "x") { records { pageInfo { node: endCursor } } } }'), PATH)).toBe(false);
  });

  it('L1: any field outside the allowed set, directly or in a fragment, forbids the fold', () => {
    expect(selectsOnly(subjectInfoOf('{ subject(code: "x") { code name records { totalCount } } }'), BESIDE)).toBe(true);
    expect(selectsOnly(subjectInfoOf('{ subject(code: "x") { code qualifications { id } } }'), BESIDE)).toBe(false);
    expect(selectsOnly(subjectInfoOf('{ subject(code: "x") { ...S } } fragment S on Subject { code ... on Subject { objections { id } } }'), BESIDE)).toBe(false);
  });

  it('§11: a chain of 40 fragments each spread twice is walked at once by selectsPath and selectsOnly', () => {
    const fragments = Array.from({ length: 40 }, (_, i) => i + 1 < 40
      ? `fragment F${i} on Subject { ...F${i + 1} ...F${i + 1} }`
      : `fragment F${i} on Subject { code records { edges { node { id } } } }`);
    const info = subjectInfoOf(`{ subject(code: "x") { ...F0 } } ${fragments.join(' ')}`);
    const started = performance.now();
    expect(selectsPath(info, PATH)).toBe(true);
    expect(selectsPath(info, ['records', 'edges', 'cursor'])).toBe(false);
    expect(selectsOnly(info, BESIDE)).toBe(true);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
