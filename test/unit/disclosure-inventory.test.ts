import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import {
  classificationOf, DISCLOSURE_DOC, objectTypesOf, printDisclosureDoc, staleEntries, unclassifiedFields,
} from '../../src/graphql/disclosure-doc.js';

describe('disclosure inventory (issue 13 point 2: one decision point, every field classified)', () => {
  it('every field of every object type is classified in policies/disclosure-inventory.ts', async () => {
    expect(unclassifiedFields(await buildGatewaySchema())).toEqual([]);
  });

  it('the inventory names no field the schema lacks', async () => {
    expect(staleEntries(await buildGatewaySchema())).toEqual([]);
  });

  it('every type that carries subject data names the policies/ function (or rule set) its fields come from', async () => {
    const schema = await buildGatewaySchema();
    const carrying = objectTypesOf(schema).filter((type) => classificationOf(type)?.carries === 'subject');
    expect(carrying.map((t) => t.name)).toEqual(expect.arrayContaining([
      'Subject', 'CreditRecord', 'CreditRecordVersion', 'RecordDispute', 'Objection', 'RepairApplication', 'CaseEvent', 'Grant', 'CreditCheck',
    ]));
    for (const type of carrying) expect(classificationOf(type)!.decidedBy, type.name).toMatch(/policies|src\/graphql\/access|L4|C1|WEB2|X1/);
  });

  it('docs/disclosure.md is exactly what `npm run docs:disclosure` generates', async () => {
    expect(await readFile(DISCLOSURE_DOC, 'utf8')).toBe(await printDisclosureDoc());
  });
});
