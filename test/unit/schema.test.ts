import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { isInterfaceType, isIntrospectionType, isNonNullType, isObjectType, type GraphQLObjectType } from 'graphql';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import { allowedRolesOf } from '../../src/graphql/access.js';
import { printGatewaySchema, SCHEMA_FILE } from '../../src/graphql/emit-schema.js';
import { getMetadataStorage } from 'type-graphql';

describe('schema artifacts (STYLE 2, 9)', () => {
  it('schema/schema.graphql is exactly the SDL the code emits (run `npm run schema:emit` after changing types)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    expect(committed).toBe(await printGatewaySchema());
  });

  it('default deny: every Query and Mutation field declares which roles may call it', async () => {
    const schema = await buildGatewaySchema();
    const roots = [schema.getQueryType(), schema.getMutationType()].filter(Boolean) as GraphQLObjectType[];
    const undeclared = roots.flatMap((root) =>
      Object.keys(root.getFields()).filter((name) => !allowedRolesOf(root, name)?.length).map((name) => `${root.name}.${name}`));
    expect(undeclared).toEqual([]);
  });

  it('issue 18: no field name holds "_" (compiled execution keys resolve info by response paths joined with "_")', async () => {
    const schema = await buildGatewaySchema();
    const underscored = Object.values(schema.getTypeMap())
      .filter((type) => (isObjectType(type) || isInterfaceType(type)) && !isIntrospectionType(type))
      .flatMap((type) => Object.keys((type as GraphQLObjectType).getFields()).filter((name) => name.includes('_')).map((name) => `${type.name}.${name}`));
    expect(underscored).toEqual([]);
  });

  it('issue 18: the hot fields the schema resolves as plain functions bypass nothing — type-graphql holds no middleware and no @Authorized anywhere, and they keep their access declarations', async () => {
    const schema = await buildGatewaySchema();
    const storage = getMetadataStorage() as unknown as { middlewares: unknown[]; resolverMiddlewares: unknown[]; authorizedFields: unknown[]; authorizedResolver?: unknown[] };
    // a middleware or an @Authorized added later would be skipped on Query.subject, Query.searchSubjects,
    // Subject.records and CreditRecord.source (src/graphql/schema.ts, PLAIN_RESOLVERS): it must be wired there first
    expect(storage.middlewares).toEqual([]); // @UseMiddleware on a method or field
    expect(storage.resolverMiddlewares).toEqual([]); // @UseMiddleware on a resolver class
    expect(storage.authorizedFields).toEqual([]);
    expect(storage.authorizedResolver ?? []).toEqual([]);
    const query = schema.getQueryType()!;
    expect(allowedRolesOf(query, 'subject')?.length).toBeGreaterThan(0);
    expect(allowedRolesOf(query, 'searchSubjects')?.length).toBeGreaterThan(0);
  });

  it('mutations are never open to the public (§10.2: the public calling a token-only operation is UNAUTHENTICATED)', async () => {
    const schema = await buildGatewaySchema();
    const mutation = schema.getMutationType()!;
    const openToPublic = Object.keys(mutation.getFields()).filter((name) => allowedRolesOf(mutation, name)?.includes('public'));
    expect(openToPublic).toEqual([]);
  });

  it('§10.3: the contract operations exist with their argument names', async () => {
    const schema = await buildGatewaySchema();
    const query = schema.getQueryType()!.getFields();
    const mutation = schema.getMutationType()!.getFields();
    const args = (field: { args: readonly { name: string }[] }) => field.args.map((a) => a.name).sort();
    expect(args(query.subject)).toEqual(['code', 'purpose']);
    expect(args(query.searchSubjects)).toEqual(['after', 'first', 'kind', 'professionalGroup', 'purpose', 'query']);
    expect(args(query.organizations)).toEqual(['kind']);
    expect(Object.keys(query)).toEqual(expect.arrayContaining(['me', 'catalog', 'professionalGroups']));
    expect(args(mutation.registerOrganization)).toEqual(['input']);
    expect(args(mutation.setOrganizationStatus)).toEqual(['code', 'status']);
    expect(args(mutation.registerSubjects)).toEqual(['subjects']);
    expect(args(mutation.submitRecords)).toEqual(['records']);
    expect(args(mutation.withdrawRecord)).toEqual(['id', 'reason']);
  });

  it('STYLE 2: fields some viewer cannot see are nullable (Subject and CreditRecord)', async () => {
    const schema = await buildGatewaySchema();
    const subject = schema.getType('Subject') as GraphQLObjectType;
    const record = schema.getType('CreditRecord') as GraphQLObjectType;
    for (const name of ['legalRepresentativeId', 'address']) expect(isNonNullType(subject.getFields()[name].type)).toBe(false);
    for (const name of ['details', 'history']) expect(isNonNullType(record.getFields()[name].type)).toBe(false);
  });
});
