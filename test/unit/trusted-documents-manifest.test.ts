import { readFileSync } from 'node:fs';
import { Kind, parse, specifiedRules, validate, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { allowedRolesOf } from '../../src/graphql/access.js';
import { queryLimitsRule } from '../../src/graphql/limits.js';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import { loadTrustedDocuments, sha256Hex } from '../../src/http/trusted-documents.js';
import { SITE_OPERATIONS } from '../../src/web/api.js';
import { SUBJECT_GROUPS } from '../../src/web/groups.js';
import { buildTrustedManifest, manifestText, operationOf, SHIPPED_MANIFEST } from '../../src/web/manifest.js';

/**
 * H1 / WEB2: schema/trusted-documents.json is generated from the website's operations (src/web/operations/*.graphql,
 * `npm run docs:trusted`) and must not drift from them: the gateway lets the public run exactly these documents in
 * production, and the website sends exactly their hashes.
 */
describe('H1: the trusted documents manifest', () => {
  it('H1: schema/trusted-documents.json is exactly what npm run docs:trusted generates from src/web/operations', () => {
    expect(readFileSync(SHIPPED_MANIFEST, 'utf8')).toBe(manifestText(buildTrustedManifest()));
  });

  it('H1: it is an Apollo persisted-query manifest whose ids are the SHA-256 of the bodies, as the gateway checks at start', () => {
    const manifest = buildTrustedManifest();
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.version).toBe(1);
    for (const operation of manifest.operations) expect(operation.id).toBe(sha256Hex(operation.body));
    const loaded = loadTrustedDocuments('public', SHIPPED_MANIFEST);
    expect([...loaded.byHash.keys()].sort()).toEqual(manifest.operations.map((o) => o.id).sort());
  });

  it('WEB2: it holds the website\'s operations — each one named query, the one the site sends by name', () => {
    expect(buildTrustedManifest().operations.map((o) => o.name).sort()).toEqual([...SITE_OPERATIONS].sort());
    expect(() => operationOf('Two.graphql', 'query Two { catalog { code } } query Three { catalog { code } }')).toThrow(/one operation/);
    expect(() => operationOf('Other.graphql', 'query Named { catalog { code } }')).toThrow(/named Other/);
    expect(() => operationOf('Write.graphql', 'mutation Write { revokeAuthorization(id: "x") { id } }')).toThrow(/only reads/);
  });

  it('WEB2, §11: every operation validates against the gateway\'s schema within the default limits, and selects only root fields open to the public', async () => {
    const schema = await buildGatewaySchema();
    const limits = loadConfig({}).limits;
    for (const operation of buildTrustedManifest().operations) {
      const document = parse(operation.body);
      expect(validate(schema, document, [...specifiedRules, queryLimitsRule(limits)]), operation.name).toEqual([]);
      const definition = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
      for (const selection of definition.selectionSet.selections as FieldNode[]) {
        expect(allowedRolesOf(schema.getQueryType()!, selection.name.value), `${operation.name}.${selection.name.value}`).toContain('public');
      }
    }
  });

  it('WEB1: the subject page asks for each group\'s types under the group\'s alias', () => {
    const body = buildTrustedManifest().operations.find((o) => o.name === 'SubjectPage')!.body;
    const subject = (parse(body).definitions[0] as OperationDefinitionNode).selectionSet.selections[0] as FieldNode;
    const sections = subject.selectionSet!.selections
      .filter((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'records')
      .map((field) => {
        const types = field.arguments!.find((a) => a.name.value === 'types')!.value;
        return { slug: field.alias!.value, types: types.kind === Kind.LIST ? types.values.map((v) => (v.kind === Kind.STRING ? v.value : '?')) : [] };
      });
    expect(sections).toEqual(SUBJECT_GROUPS.map((group) => ({ slug: group.slug, types: [...group.types] })));
  });
});
