import type { RecordConnection, SubjectDetails, SubjectPageData, SubjectRecordsData } from '../api.js';
import { DISPUTE_NOTE, Fact, RecordItem, RecordList, subjectPath } from '../components.js';
import { isIndividual, KIND_LABELS, label, STATUS_LABELS } from '../format.js';
import { SUBJECT_GROUPS, type RecordGroup } from '../groups.js';
import { Layout, Pager } from '../layout.js';

/**
 * `/subjects/:code`: the public view of one subject (WEB1) — basic information, then its public records grouped as
 * 行政许可, 行政处罚, lists, honours, commitments and the rest, each with its publicity end date and dispute mark.
 * `?group=…` pages through one group. Links within the page are relative to it (`?group=…`), so a page never
 * writes an identity number that is in its address: an individual (P3) arrives masked from the API, and stays so.
 */
type PageSubject = NonNullable<SubjectPageData['subject']>;

export function SubjectPage({ subject, stylesheet }: { subject: PageSubject; stylesheet: string }) {
  const individual = isIndividual(subject);
  return (
    <Layout title={subject.name} stylesheet={stylesheet} noindex={individual}>
      <h1>{subject.name}</h1>
      <BasicFacts subject={subject} individual={individual} />
      <nav class="toc" aria-label="本页目录">
        <ul>
          {SUBJECT_GROUPS.map((group) => <li><a href={`#${group.slug}`}>{`${group.heading}（${subject[group.slug].totalCount}）`}</a></li>)}
        </ul>
      </nav>
      {SUBJECT_GROUPS.map((group) => <GroupSection group={group} records={subject[group.slug]} />)}
      <p class="note">{DISPUTE_NOTE}</p>
      {individual ? <p class="note">本页仅显示依法可向社会公开的自然人信用信息，姓名和身份证号码已作遮蔽处理。</p> : null}
    </Layout>
  );
}

function BasicFacts({ subject, individual }: { subject: SubjectDetails; individual: boolean }) {
  return (
    <section aria-labelledby="basic">
      <h2 id="basic">基本信息</h2>
      <dl class="facts facts-basic">
        <Fact term={individual ? '身份证号码' : '统一社会信用代码'}>{subject.code}</Fact>
        <Fact term="主体类型">{label(KIND_LABELS, subject.kind)}</Fact>
        {individual ? null : <Fact term="登记状态">{label(STATUS_LABELS, subject.status)}</Fact>}
        <Fact term="成立日期">{subject.registeredAt}</Fact>
        <Fact term="法定代表人">{subject.legalRepresentative}</Fact>
        <Fact term="住所">{subject.address}</Fact>
      </dl>
    </section>
  );
}

function GroupSection({ group, records }: { group: RecordGroup; records: RecordConnection }) {
  const headingId = `${group.slug}-heading`;
  return (
    <section id={group.slug} aria-labelledby={headingId}>
      <h2 id={headingId}>{`${group.heading}（${records.totalCount}）`}</h2>
      <RecordList count={records.edges.length} empty="暂无公示信息。">
        {records.edges.map(({ node }) => <RecordItem record={node} full showType={group.types.length > 1} />)}
      </RecordList>
      {records.pageInfo.hasNextPage ? <p class="more"><a href={`?group=${group.slug}`}>{`查看全部 ${records.totalCount} 条${group.heading}`}</a></p> : null}
    </section>
  );
}

type GroupSubject = NonNullable<SubjectRecordsData['subject']>;

export function SubjectGroupPage({ subject, group, paged, stylesheet }: { subject: GroupSubject; group: RecordGroup; paged: boolean; stylesheet: string }) {
  const individual = isIndividual(subject);
  const { records } = subject;
  const here = `?group=${group.slug}`;
  const next = records.pageInfo.hasNextPage && records.pageInfo.endCursor ? `${here}&after=${encodeURIComponent(records.pageInfo.endCursor)}` : null;
  return (
    <Layout title={`${subject.name}：${group.heading}`} stylesheet={stylesheet} noindex={individual}>
      <p class="breadcrumb"><a href={individual ? '?' : subjectPath(subject.code)}>{`返回 ${subject.name}`}</a></p>
      <h1>{`${subject.name}：${group.heading}（${records.totalCount}）`}</h1>
      <RecordList count={records.edges.length} empty={paged ? '没有更多记录。' : '暂无公示信息。'}>
        {records.edges.map(({ node }) => <RecordItem record={node} full showType={group.types.length > 1} />)}
      </RecordList>
      <Pager first={paged ? here : null} next={next} />
      <p class="note">{DISPUTE_NOTE}</p>
    </Layout>
  );
}
