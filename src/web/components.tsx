import type { ComponentChildren } from 'preact';
import type { RecordNode, SubjectSummary } from './api.js';
import { amountOf, dateOf, isIndividual, KIND_LABELS, label, SEVERITY_LABELS, TYPE_LABELS } from './format.js';

/** The pieces pages are made of. Every value goes through JSX, which escapes it (no raw HTML anywhere). */

export const subjectPath = (code: string): string => `/subjects/${encodeURIComponent(code)}`;

/** One fact of a definition list; nothing when the value is empty. */
export function Fact({ term, children }: { term: string; children: ComponentChildren }) {
  if (children === null || children === undefined || children === '' || children === false) return null;
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/**
 * A subject as a list names it: an organisation links to its page; an individual (masked by the API) is shown as
 * the API returned it and not linked — the page would need the full identity number in its address.
 */
export function SubjectLine({ subject }: { subject: SubjectSummary }) {
  const individual = isIndividual(subject);
  return (
    <p class="item-subject">
      {individual ? <span class="subject-name">{subject.name}</span> : <a class="subject-name" href={subjectPath(subject.code)}>{subject.name}</a>}
      {' '}
      <span class="code">{subject.code}</span>
      {' '}
      <span class="kind">{label(KIND_LABELS, subject.kind)}</span>
    </p>
  );
}

export function DisputeMark({ disputed }: { disputed: boolean }) {
  if (!disputed) return null;
  return <span class="badge badge-dispute">存在异议</span>;
}

/** The end of the record's publicity window (D1–D2): a date, or no fixed end. */
export const publicUntilText = (record: Pick<RecordNode, 'publicUntil'>): string => dateOf(record.publicUntil) || '无固定期限';

/**
 * One record: what 双公示 shows of a decision (title, document number, date, authority) with its publicity end date
 * and the dispute mark; `full` adds the summary and legal basis (subject and list pages).
 */
export function RecordItem({ record, subject, full = false, showType = false }: { record: RecordNode; subject?: SubjectSummary; full?: boolean; showType?: boolean }) {
  return (
    <li class="item">
      {subject ? <SubjectLine subject={subject} /> : null}
      <p class="item-title">
        {record.title}
        {record.severity === 'SERIOUS' ? <span class="badge badge-serious">严重</span> : null}
        <DisputeMark disputed={record.disputed} />
      </p>
      <dl class="facts">
        {showType ? <Fact term="类别">{label(TYPE_LABELS, record.type)}</Fact> : null}
        {full ? <Fact term="内容">{record.summary}</Fact> : null}
        <Fact term="决定文书号">{record.decisionNumber}</Fact>
        <Fact term="决定日期">{dateOf(record.decidedAt)}</Fact>
        {record.type === 'penalty' ? <Fact term="处罚程度">{label(SEVERITY_LABELS, record.severity)}</Fact> : null}
        <Fact term="金额">{amountOf(record.amount)}</Fact>
        {full ? <Fact term="有效期">{validityText(record)}</Fact> : null}
        {full ? <Fact term="依据">{record.legalBasis}</Fact> : null}
        <Fact term="决定机关">{record.source.name}</Fact>
        <Fact term="公示截止">{publicUntilText(record)}</Fact>
      </dl>
    </li>
  );
}

function validityText(record: RecordNode): string {
  const from = dateOf(record.validFrom);
  const until = dateOf(record.validUntil);
  if (from && until) return `${from} 至 ${until}`;
  if (from) return `自 ${from} 起`;
  return until ? `至 ${until}` : '';
}

/** A list of records; an empty one says so. */
export function RecordList({ children, empty, count }: { children: ComponentChildren; empty: string; count: number }) {
  if (count === 0) return <p class="empty">{empty}</p>;
  return <ol class="items">{children}</ol>;
}

export const DISPUTE_NOTE = '标注“存在异议”的信息，信用主体已提出异议且尚在处理中，或经核查无法确定。';
