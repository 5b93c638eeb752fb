import type { SearchSubjectsData } from '../api.js';
import { Fact, subjectPath } from '../components.js';
import { KIND_LABELS, label, STATUS_LABELS } from '../format.js';
import { Layout, Pager, SearchForm } from '../layout.js';

/**
 * `/search?q=…`: organisations whose name contains the query or whose code equals it (P4; the API never returns
 * individuals to the public). `shown` is the query as the page may repeat it: an identity number typed into it is
 * masked (WEB1), and then it is neither put back into the search field nor carried into the paging links.
 */
export interface SearchView {
  shown: string;
  /** the query held an identity number: masked in `shown`, not repeated anywhere else */
  hidden: boolean;
  /** the raw query, for the paging links (only when nothing was hidden) */
  query: string;
  paged: boolean;
}

export function SearchPromptPage({ stylesheet }: { stylesheet: string }) {
  return (
    <Layout title="信用信息查询" stylesheet={stylesheet} noindex headerSearch={false}>
      <h1>信用信息查询</h1>
      <SearchForm id="q" />
      <p class="hint">输入企业、事业单位或社会组织名称中的至少 2 个字，或完整的 18 位统一社会信用代码。</p>
    </Layout>
  );
}

/** The query is too short (or too long): answered with HTTP 400 and this page, before the API is asked. */
export function SearchRefusedPage({ view, message, stylesheet }: { view: SearchView; message: string; stylesheet: string }) {
  return (
    <Layout title="查询内容不符合要求" stylesheet={stylesheet} noindex headerSearch={false}>
      <h1>查询内容不符合要求</h1>
      <p class="alert" role="alert">{message}</p>
      <SearchForm id="q" value={view.hidden ? '' : view.query} />
    </Layout>
  );
}

export function SearchResultsPage({ view, data, stylesheet }: { view: SearchView; data: SearchSubjectsData; stylesheet: string }) {
  const { edges, pageInfo } = data.searchSubjects;
  const base = `/search?q=${encodeURIComponent(view.query)}`;
  const next = !view.hidden && pageInfo.hasNextPage && pageInfo.endCursor ? `${base}&after=${encodeURIComponent(pageInfo.endCursor)}` : null;
  return (
    <Layout title={`“${view.shown}”的查询结果`} stylesheet={stylesheet} noindex headerSearch={false}>
      <h1>查询结果</h1>
      <SearchForm id="q" value={view.hidden ? '' : view.query} />
      {edges.length > 0 && (
        // no total: counting every match of a common query would cost more than the page (issue 18)
        <p class="result-count">{`与“${view.shown}”相关的信用主体，本页 ${edges.length} 个${pageInfo.hasNextPage ? '，下一页还有' : ''}。`}</p>
      )}
      {edges.length === 0 ? (
        <p class="empty">{view.paged ? '没有更多结果。' : '没有找到相关的信用主体。请检查名称或统一社会信用代码是否正确。自然人信息不提供查询。'}</p>
      ) : (
        <ol class="items">
          {edges.map(({ node }) => (
            <li class="item">
              <p class="item-title"><a href={subjectPath(node.code)}>{node.name}</a></p>
              <dl class="facts">
                <Fact term="统一社会信用代码">{node.code}</Fact>
                <Fact term="主体类型">{label(KIND_LABELS, node.kind)}</Fact>
                <Fact term="登记状态">{label(STATUS_LABELS, node.status)}</Fact>
                <Fact term="法定代表人">{node.legalRepresentative}</Fact>
                <Fact term="成立日期">{node.registeredAt}</Fact>
                <Fact term="住所">{node.address}</Fact>
              </dl>
            </li>
          ))}
        </ol>
      )}
      <Pager first={view.paged && !view.hidden ? base : null} next={next} />
    </Layout>
  );
}
