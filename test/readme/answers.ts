/**
 * Comparing a command's real output with the answer the README shows. Only what moves with the clock or with ids is
 * normalised, on both sides: ISO instants, UUIDs (also shown shortened, `879d46cf-…`), SHA-256 hashes (also
 * `13196c06…`), JWTs, cursors. In the shown answer `…` stands for any text; everything else — counts, names, codes,
 * reasons, keys and their order — must be exactly as the gateway answers.
 */
const VOLATILE: [RegExp, string][] = [
  [/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g, '<instant>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>'],
  [/\b[0-9a-f]{8}-…/g, '<uuid>'],
  [/\b[0-9a-f]{64}\b/g, '<hash>'],
  [/\b[0-9a-f]{8}…/g, '<hash>'],
  [/\beyJ[\w-]*\.[\w-]+\.[\w-]*/g, '<token>'],
  [/"(endCursor|startCursor|cursor)":"[^"]*"/g, '"$1":"<cursor>"'],
];

export function normaliseVolatile(text: string): string {
  return VOLATILE.reduce((out, [pattern, placeholder]) => out.replace(pattern, placeholder), text);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The shown answer as a pattern: volatile values normalised, `…` (and the spaces around it) any text. */
export function answerPattern(shown: string): RegExp {
  const parts = normaliseVolatile(shown.trim()).split(/\s*…\s*/);
  return new RegExp(`^${parts.map(escapeRegExp).join('[\\s\\S]*?')}$`);
}

export function matchesAnswer(actual: string, shown: string): boolean {
  return answerPattern(shown).test(normaliseVolatile(actual.trim()));
}
