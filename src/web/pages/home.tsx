import type { HomeNoticesData, NoticeConnection } from '../api.js';
import { DISPUTE_NOTE, RecordItem, RecordList } from '../components.js';
import { Layout, SearchForm } from '../layout.js';
import { LISTS } from '../groups.js';

/** `/`: the search box, the latest 双公示 decisions (licences and penalties, newest first) and the list pages (WEB1). */
export function HomePage({ data, stylesheet }: { data: HomeNoticesData; stylesheet: string }) {
  return (
    <Layout title="首页" stylesheet={stylesheet} current="/" headerSearch={false}>
      <h1>信用信息查询</h1>
      <SearchForm id="q" />
      <p class="hint">输入企业、事业单位或社会组织名称中的至少 2 个字，或完整的 18 位统一社会信用代码。</p>
      <div class="columns">
        <Latest id="latest-licences" heading="最新行政许可" more="/lists/licences" notices={data.licences} empty="暂无公示的行政许可。" />
        <Latest id="latest-penalties" heading="最新行政处罚" more="/lists/penalties" notices={data.penalties} empty="暂无公示的行政处罚。" />
      </div>
      <section aria-labelledby="lists-heading">
        <h2 id="lists-heading">名单公示</h2>
        <ul class="list-links">
          {LISTS.filter((list) => list.slug !== 'licences' && list.slug !== 'penalties').map((list) => (
            <li><a href={`/lists/${list.slug}`}>{list.heading}</a><span class="hint">{list.about}</span></li>
          ))}
        </ul>
      </section>
      <p class="note">{DISPUTE_NOTE}</p>
    </Layout>
  );
}

function Latest({ id, heading, more, notices, empty }: { id: string; heading: string; more: string; notices: NoticeConnection; empty: string }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{heading}</h2>
      <RecordList count={notices.edges.length} empty={empty}>
        {notices.edges.map(({ node }) => <RecordItem record={node.record} subject={node.subject} />)}
      </RecordList>
      {notices.pageInfo.hasNextPage ? <p class="more"><a href={more}>{`查看更多${heading.replace(/^最新/, '')}`}</a></p> : null}
    </section>
  );
}
