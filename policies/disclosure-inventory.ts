/**
 * The disclosure inventory: every field of every GraphQL object type, classified. A type that can carry a subject's
 * code, name, records, statements or cases names the policy function its fields come from, and each field the rule
 * that governs it; every other type says why it carries nothing about a subject. test/unit/disclosure-inventory.test.ts
 * fails when the schema has a field this file does not classify (or this file names one the schema lacks), and
 * when docs/disclosure.md (generated from the schema and this file: `npm run docs:disclosure`) has drifted.
 *
 * Connection and edge types are classified by their shape (see CONNECTION_FIELDS): their nodes carry their own rules.
 */
export interface TypeClassification {
  /** `subject`: carries a subject's code, name, records, statements or cases; `none`: never does */
  carries: 'subject' | 'none';
  /** where the fields are decided (policies/…), or why the type carries nothing */
  decidedBy: string;
  fields: Record<string, string>;
}

export const CONNECTION_FIELDS: Record<string, string> = {
  edges: 'the nodes, each under its own rules; a node carrying subject data is logged when the response places it (L1)',
  pageInfo: 'hasNextPage and a sealed cursor (§10.3: opaque, tamper-evident, nothing hidden)',
  totalCount: 'visible rows only (D7); an answer that only counts logs one event without a subject (L1)',
};
export const EDGE_FIELDS: Record<string, string> = {
  cursor: 'sealed sort key (§10.3): AES-GCM under the server key, nothing the viewer may not see',
  node: 'the item, under its own type’s rules',
};

const ORGANISATION = 'an organisation is a caller of the platform, not a credit subject (public registry data)';

export const DISCLOSURE_INVENTORY: Record<string, TypeClassification> = {
  Query: {
    carries: 'subject',
    decidedBy: 'src/graphql/access.ts (@Allow per operation); each answer’s fields by its type; L1 events by src/context/disclosures.ts',
    fields: {
      me: 'the caller’s own token claims (its own subject code for role subject): no disclosure',
      catalog: 'catalog data',
      professionalGroups: 'catalog data',
      organizations: ORGANISATION,
      measures: 'catalog data',
      subject: 'P0–P3, G1–G2, A1–A4, S1–S2, U1; L1: one event per resolved subject, with the ids of the records placed',
      searchSubjects: 'P4, G3, D7; L1: one event per subject placed in the answer; counts or pages only (`totalCount`, or `first: 0` with `hasNextPage`): one event without a subject',
      publicNotices: 'WEB2: the public’s compiled scopes (P2, D1–D5) for every caller, fields as view PUBLIC; L1: one PUBLIC event per subject placed, with the records placed; counts or pages only: one event without a subject',
      recordChanges: 'X1, X3: peer platforms only; the change rules of policies/exchange.ts compiled to SQL (PUBLIC and SHARED versions, never what the peer sent); X2: one DEPARTMENT event per subject placed, purpose SUPERVISION with the peer’s code; counts or pages only: one event without a subject (L1)',
      accessLog: 'L4: auditors; the reading itself is one event (role auditor, no subject) in the same chain',
      verifyAccessLog: 'L3, L4, L6: no subject data (positions, hashes, a checkpoint\u2019s status); the reading is one event',
      myGrants: 'A2 via grantReading (policies/cases.ts): codes of individuals masked; L1: one AGENCY event per granting subject',
      creditCheck: 'C1, C3: the department view; L1: one event with the records used',
      creditCheckReceipt: 'C1: the stored answer, to the checking organisation only; L1: one event as for the check',
      overdueObjections: 'R2, U1 via caseReading: admins get codes masked as the public, auditors in full (L4); statements withheld (R1); L1 per subject (admins view PUBLIC, auditors no view)',
      objectionsToResolve: 'R1, R2 via caseReading (SOURCE); L1: one DEPARTMENT event per subject, naming the records',
      repairApplicationsToDecide: 'R1, R3 via caseReading (SOURCE); L1: one DEPARTMENT event per subject, naming the records',
      caseEvents: 'L4 via CASE_LOG_READING: auditors, codes in full, no statements; L1: one event per subject (no view)',
    },
  },
  Mutation: {
    carries: 'subject',
    decidedBy: 'src/graphql/access.ts (@Allow per operation); answers by their type; L1 events by src/context/disclosures.ts',
    fields: {
      setIssuers: 'W5: catalog data (admins)',
      signCheckpoint: 'L6: the chains\u2019 heads, no subject data (auditors, admins); the call is one event',
      registerOrganization: ORGANISATION,
      setOrganizationStatus: ORGANISATION,
      setPeerPublicKey: ORGANISATION,
      registerSubjects: 'W1: echoes the caller’s own input (normalised codes), discloses nothing stored',
      submitRecords: 'W1, W2: ids of the caller’s own filings, discloses nothing else',
      withdrawRecord: 'W2: the source department’s own record, DEPARTMENT view, no history; L1: one event',
      grantAuthorization: 'S1: the subject’s own grant; L1: one SELF event',
      revokeAuthorization: 'S1: the subject’s own grant; L1: one SELF event',
      fileObjection: 'R1: the subject’s own case (another subject’s record answers NOT_FOUND); L1: one SELF event',
      resolveObjection: 'R2: the source department’s case; L1: one DEPARTMENT event',
      applyForRepair: 'R3: the subject’s own case (another subject’s record answers NOT_FOUND); L1: one SELF event',
      decideRepair: 'R3: the source department’s case; L1: one DEPARTMENT event',
    },
  },
  Subject: {
    carries: 'subject',
    decidedBy: 'projectSubject (policies/fields.ts) over the view of decideView (policies/viewer.ts)',
    fields: {
      code: 'P1, P3, A2, §4.4 identityNumberShown: an individual’s identity number masked for PUBLIC and AGENCY views',
      kind: 'P1',
      name: 'P1, P3, §4.4: an individual’s name masked in the PUBLIC view',
      status: 'P1',
      registeredAt: 'P1',
      address: 'P1; an individual’s address withheld outside SELF and DEPARTMENT views (NOT_PUBLIC)',
      legalRepresentative: 'P1: the representative’s name',
      legalRepresentativeId: 'P1: never public; masked for agencies (A2); full for DEPARTMENT and SELF',
      codeFlagged: 'I5: whether the code came from the exception table (about a subject already found)',
      view: '§1: the tier the subject was disclosed under',
      redactions: '§4.4: what was withheld; G2/A1 always name `records` (no oracle)',
      records: 'P2, G1, A2, A3, S1, D1–D7: row rules compiled to SQL (policies/abilities.ts); ids logged when placed (L1)',
      qualifications: 'P2, G1, A2, S1: active PROFESSIONAL records under the same row rules',
      accessReceipts: 'L5: SELF view only; organisations that looked, never officers',
      grants: 'S1: SELF view only (grantReading)',
      objections: 'S1, R1: SELF view only (caseReading)',
      repairApplications: 'S1, R3: SELF view only (caseReading)',
    },
  },
  CreditRecord: {
    carries: 'subject',
    decidedBy: 'row rules (policies/abilities.ts → SQL), then recordFieldRules (policies/records.ts)',
    fields: {
      id: 'visible records only; logged (L1)',
      type: 'P2', category: 'P2', nature: 'P2', severity: 'P2', title: 'P2', summary: 'P2', decisionNumber: 'P2',
      decidedAt: 'P2', validFrom: 'P2', validUntil: 'P2', publicUntil: 'D2', legalBasis: 'P2', amount: 'P2', grade: 'P2',
      group: 'P2 (PROFESSIONAL)',
      details: 'P2, G1, A2, S1 (recordFieldRules): never public; agencies only for SHARED records of their grant',
      disclosure: '§4.1', status: 'D4', version: 'W2',
      disputed: 'R1: every viewer who can see the record',
      redactions: '§4.4',
      source: 'W2: the source organisation (public registry data)',
      origin: 'X3: provenance of a record a peer platform sent (the peer’s code and its own id), shown with the record like its source',
      history: 'W2a: views that see the record’s details; each version judged by the same row rules as a record (SQL) and projected by projectRecordVersion',
      dispute: 'R1: views that see details; statements only for SELF and the source department (caseStatementsVisible)',
    },
  },
  CreditRecordVersion: {
    carries: 'subject',
    decidedBy: 'projectRecordVersion (policies/records.ts), after the row rules judged the version visible (W2a)',
    fields: {
      version: 'W2', replacedAt: 'W2', changedFields: 'W2: names of fields only',
      snapshot: 'W2a: CreditRecord fields only; details per the version’s own class; sourceRef only to its source; no internal columns',
      redactions: 'W2a: what the version withholds',
    },
  },
  RecordDispute: {
    carries: 'subject',
    decidedBy: 'caseStatementsVisible (policies/records.ts)',
    fields: {
      status: 'R1, R2', outcome: 'R2', filedAt: 'R1', resolvedAt: 'R2',
      statement: 'R1: the subject and the source department only (NOT_PUBLIC otherwise)',
      note: 'R1, R2: the subject and the source department only (NOT_PUBLIC otherwise)',
      redactions: '§4.4',
    },
  },
  Objection: {
    carries: 'subject',
    decidedBy: 'caseReading (policies/cases.ts) and presentSubjectCode (policies/fields.ts)',
    fields: {
      id: 'R1', recordId: 'R1: a record of the subject', subjectCode: '§4.4 via the reading’s code audience',
      source: 'W2: the source department', reason: 'R1: statement, subject and source only', status: 'R1', outcome: 'R2',
      note: 'R1: statement, subject and source only', recordVersion: 'R2', correctedVersion: 'R2', filedAt: 'R1',
      dueAt: 'R2', overdue: 'R2', resolvedAt: 'R2', redactions: '§4.4', history: 'R2: the case’s events under the same reading',
    },
  },
  RepairApplication: {
    carries: 'subject',
    decidedBy: 'caseReading (policies/cases.ts) and presentSubjectCode (policies/fields.ts)',
    fields: {
      id: 'R3', recordId: 'R3', subjectCode: '§4.4 via the reading’s code audience', source: 'W2', commitment: 'R1: statement, subject and source only',
      evidence: 'R1: statement, subject and source only', status: 'R3', reason: 'R1: statement, subject and source only',
      appliedAt: 'R3', decidedAt: 'R3', redactions: '§4.4', history: 'R3: the case’s events under the same reading',
    },
  },
  CaseEvent: {
    carries: 'subject',
    decidedBy: 'the case’s reading (policies/cases.ts); caseActorVisible for the officer',
    fields: {
      sequence: 'L4', at: 'L4', caseKind: '§8', caseId: '§8', recordId: '§8', subjectCode: '§4.4 via the reading’s code audience',
      action: '§8', outcome: 'R2', actor: 'L5: auditors only (caseActorVisible)', role: '§8', organization: 'the acting organisation',
    },
  },
  Grant: {
    carries: 'subject',
    decidedBy: 'grantReading (policies/cases.ts) and presentSubjectCode (policies/fields.ts)',
    fields: {
      id: '§5', subjectCode: 'A2: masked for the agency when an individual', agency: '§5', categories: '§5', purpose: '§5, D8',
      validFrom: '§5', validUntil: '§5', revokedAt: 'A4', active: 'A4', createdAt: '§5',
    },
  },
  RecordChange: {
    carries: 'subject',
    decidedBy: 'X1: the change rules of policies/exchange.ts (SQL), the record’s fields by recordFieldRules for exchangeReader (DEPARTMENT view, purpose SUPERVISION)',
    fields: {
      sequence: 'X1: the change sequence (commit order)', kind: 'X1', at: 'X1',
      subjectCode: 'X1, G1: full codes', subjectKind: 'G1', subjectName: 'G1: a department sees names in full',
      record: 'X1, G1 via recordFieldRules (view DEPARTMENT): the record as of the change, its status too',
    },
  },
  RecordOrigin: { carries: 'none', decidedBy: 'X3: provenance (a peer’s code and its id there)', fields: { platform: 'X3', originId: 'X3' } },
  PublicNotice: {
    carries: 'subject',
    decidedBy: 'WEB2: the public’s standing for every caller (notices.service.ts): projectSubject and recordFieldRules for view PUBLIC',
    fields: { subject: 'P2, P3, U1 via projectSubject (view PUBLIC)', record: 'D1–D5 via recordFieldRules (view PUBLIC)' },
  },
  CreditCheck: {
    carries: 'subject',
    decidedBy: 'C1–C3: the department view (projectSubject, recordFieldRules)',
    fields: {
      checkId: 'C1', checkedAt: 'C1', scenario: 'C1', purpose: '§5', verdict: 'C3',
      subject: 'G1 via projectSubject', restrictions: 'C2, C3', warnings: 'C2, C3', incentives: 'C2',
    },
  },
  MeasureHit: { carries: 'subject', decidedBy: 'C1: a measure and the record (CreditRecord rules) that triggers it', fields: { measure: 'C2', record: 'G1, C3' } },
  AccessEvent: {
    carries: 'subject',
    decidedBy: 'L4: auditors only (src/graphql/access.ts); the log is read as stored, the reading logged',
    fields: {
      sequence: 'L3', at: 'L1', requestId: 'L1', actor: 'L1, L4', role: 'L1', organization: 'L1', view: 'L1', purpose: 'L1',
      grantId: 'L1', subjectCode: 'L1, L4: always the full code', recordIds: 'L1', operationName: 'L1', prevHash: 'L3', hash: 'L3',
    },
  },
  AccessReceipt: {
    carries: 'none',
    decidedBy: 'L5: the subject’s own receipts: who looked (organisation), never another subject',
    fields: { at: 'L5', organization: 'L5', view: 'L5', purpose: 'L5', grantId: 'L5' },
  },
  Viewer: {
    carries: 'none',
    decidedBy: 'the caller’s own token claims',
    fields: { role: '§10.2', actor: '§10.2', organization: '§10.2', subjectCode: '§10.2: the caller’s own subject', allowedPurposes: '§5' },
  },
  Organization: { carries: 'none', decidedBy: ORGANISATION, fields: { code: '§1', name: '§1', kind: '§1', status: '§1', createdAt: '§1' } },
  CatalogType: {
    carries: 'none',
    decidedBy: 'catalog data (§3)',
    fields: {
      code: '§3', name: '§3', nameZh: '§3', category: '§3', nature: '§3', loosestDisclosure: '§4.1', publicityRule: '§4.2',
      generalPublicPeriod: 'D1', seriousPublicPeriod: 'D1', defaultPublicPeriod: 'D2', maxPublicPeriod: 'D2',
      publicForIndividuals: 'D5', repairable: 'R3', requiresGroup: '§3', legalBasis: '§3', issuers: 'W5',
    },
  },
  ProfessionalGroup: { carries: 'none', decidedBy: 'catalog data (§3)', fields: { code: '§3', name: '§3', nameZh: '§3' } },
  Measure: {
    carries: 'none',
    decidedBy: 'catalog data (C2)',
    fields: {
      code: 'C2', name: 'C2', nameZh: 'C2', kind: 'C2', effect: 'C2', triggerTypes: 'C2', triggerSeverities: 'C2', triggerGrades: 'C2',
      scenarios: 'C2', legalBasis: 'C2', description: 'C2',
    },
  },
  Redaction: { carries: 'none', decidedBy: '§4.4: names a withheld field, never its value', fields: { field: '§4.4', reason: '§4.4' } },
  Purpose: { carries: 'none', decidedBy: '§5: a stated purpose', fields: { kind: '§5', reference: '§5' } },
  PageInfo: { carries: 'none', decidedBy: '§10.3', fields: { hasNextPage: '§10.3', endCursor: '§10.3: sealed' } },
  AccessLogVerification: {
    carries: 'none',
    decidedBy: 'L3: chain positions and hashes only',
    fields: {
      valid: 'L3, L6', checked: 'L3', firstBrokenSequence: 'L3, L6', fromSequence: 'L3', toSequence: 'L3', headHash: 'L3',
      caseEvents: 'L6', checkpoint: 'L6',
    },
  },
  ChainVerification: {
    carries: 'none',
    decidedBy: 'L6: chain positions and hashes of the case events only',
    fields: { valid: 'L6', checked: 'L6', firstBrokenSequence: 'L6', headHash: 'L6' },
  },
  CheckpointVerification: {
    carries: 'none',
    decidedBy: 'L6: a signed checkpoint compared with the database: positions, hashes, key id, times',
    fields: {
      status: 'L6', signedAt: 'L6', keyId: 'L6', accessSequence: 'L6', caseSequence: 'L6', firstBrokenSequence: 'L6', rolledBackTo: 'L6',
    },
  },
  SignedCheckpoint: {
    carries: 'none',
    decidedBy: 'L6: the chains\u2019 heads (positions and hashes) and their signature; auditors and admins only',
    fields: {
      signedAt: 'L6', accessSequence: 'L6', accessHash: 'L6', caseSequence: 'L6', caseHash: 'L6', keyId: 'L6', signature: 'L6',
      document: 'L6: the same, as JSON', writtenTo: 'L6: the configured directory, or stdout',
    },
  },
  BatchResult: { carries: 'none', decidedBy: 'W1: the caller’s own batch', fields: { accepted: 'W1', ids: 'W1: ids of its own rows', errors: 'W1' } },
  RowError: { carries: 'none', decidedBy: 'W1: reasons about the caller’s own rows', fields: { index: 'W1', reason: 'W1', message: 'W1' } },
};
