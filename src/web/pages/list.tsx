import type { ListPageData } from '../api.js';
import { DISPUTE_NOTE, RecordItem, RecordList } from '../components.js';
import type { ListDefinition } from '../groups.js';
import { Layout, Pager } from '../layout.js';

/** `/lists/:slug`: the current public entries of a list, newest decision first, paginated (WEB1). */
export function ListPage({ list, data, paged, stylesheet }: { list: ListDefinition; data: ListPageData; paged: boolean; stylesheet: string }) {
  const { edges, pageInfo } = data.publicNotices;
  const path = `/lists/${list.slug}`;
  const next = pageInfo.hasNextPage && pageInfo.endCursor ? `${path}?after=${encodeURIComponent(pageInfo.endCursor)}` : null;
  return (
    <Layout title={list.heading} stylesheet={stylesheet} current={path}>
      <h1>{list.heading}</h1>
      <p class="lead">{list.about}</p>
      <RecordList count={edges.length} empty={paged ? '没有更多记录。' : '目前没有正在公示的记录。'}>
        {edges.map(({ node }) => <RecordItem record={node.record} subject={node.subject} full />)}
      </RecordList>
      <Pager first={paged ? path : null} next={next} />
      <p class="note">{DISPUTE_NOTE}</p>
    </Layout>
  );
}
