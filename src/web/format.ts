import { isValidResidentId, isValidUscc, normalizeCode, shanghaiDate } from '../domain/identifiers.js';
import { maskResidentId } from '../domain/masking.js';

/** Chinese labels and formats of the website. Pure functions. */

export const KIND_LABELS: Record<string, string> = {
  ENTERPRISE: '企业',
  INDIVIDUAL: '自然人',
  PUBLIC_INSTITUTION: '事业单位',
  SOCIAL_ORGANIZATION: '社会组织',
};

export const STATUS_LABELS: Record<string, string> = { ACTIVE: '存续', DEREGISTERED: '注销', REVOKED: '吊销' };

export const SEVERITY_LABELS: Record<string, string> = { MINOR: '轻微', GENERAL: '一般', SERIOUS: '严重' };

export const TYPE_LABELS: Record<string, string> = {
  license: '行政许可',
  penalty: '行政处罚',
  'serious-dishonesty-list': '严重失信主体名单',
  'dishonest-debtor': '失信被执行人',
  'abnormal-operation': '经营异常名录',
  honor: '守信激励',
  commitment: '信用承诺',
  registration: '登记注册',
  qualification: '执业资格',
  'self-declared': '自主申报',
  'ip-infringement': '知识产权侵权',
};

export const label = (labels: Record<string, string>, value: string | null | undefined): string =>
  value == null ? '' : (labels[value] ?? value);

/** An instant (ISO 8601) as its Asia/Shanghai date, YYYY-MM-DD; '' for null or garbage. */
export function dateOf(instant: string | null | undefined): string {
  if (!instant) return '';
  const date = new Date(instant);
  return Number.isNaN(date.getTime()) ? '' : shanghaiDate(date);
}

/** 罚款金额: 215000 → "215,000 元". */
export function amountOf(amount: number | null | undefined): string {
  if (amount == null || !Number.isFinite(amount)) return '';
  return `${amount.toLocaleString('zh-CN', { maximumFractionDigits: 2 })} 元`;
}

/**
 * A run of 15 or more digits, with an optional X: what a typed identity number (15 or 18 characters) looks like —
 * also when typed with spaces or dashes between its groups (110101 19900307 1234). The text is NFKC-normalised
 * first, so full-width digits from a Chinese input method (１１０１…) count too.
 */
const DIGIT_RUN = /\d(?:[ \-]?\d){14,}(?:[ \-]?[Xx])?/g;

/**
 * WEB1: a page never echoes an identity number typed into it. Every run of digits that could be one is masked as
 * §4.4 masks identity numbers (first 4 and last 4 kept) — unless it is an organisation's unified social credit code
 * (all-digit codes exist, e.g. public institutions' 12…) that is not also a valid resident number. Whether the text
 * held one is returned too: such a query is not carried into links either.
 */
export function hideIdentityNumbers(text: string, now = new Date()): { text: string; hidden: boolean } {
  let hidden = false;
  const masked = text.normalize('NFKC').replace(DIGIT_RUN, (run) => {
    const code = normalizeCode(run.replace(/[ \-]/g, ''));
    if (code.length === 18 && isValidUscc(code) && !isValidResidentId(code, now)) return run;
    hidden = true;
    return maskResidentId(code);
  });
  return { text: masked, hidden };
}

/** An individual's subject as the API returns it to the public: masked; never linked (its page needs the full number). */
export const isIndividual = (subject: { kind: string; code: string }): boolean => subject.kind === 'INDIVIDUAL' || subject.code.includes('*');
