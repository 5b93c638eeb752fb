import { Layout, SearchForm } from '../layout.js';

/** The pages for what went wrong: plain words, a way on, never a stack trace, SQL or an echoed identity number. */
export interface ErrorView {
  status: number;
  heading: string;
  message: string;
  /** shown so that a visitor can quote it to the help desk (the API request's id, or the page's) */
  requestId?: string | null;
}

export function ErrorPage({ view, stylesheet }: { view: ErrorView; stylesheet: string }) {
  return (
    <Layout title={view.heading} stylesheet={stylesheet} noindex headerSearch={false}>
      <h1>{view.heading}</h1>
      <p class="alert" role="alert">{view.message}</p>
      {view.requestId && view.status >= 500 ? <p class="hint">{`如需帮助，请提供请求编号：${view.requestId}`}</p> : null}
      <SearchForm id="q" />
      <p><a href="/">返回首页</a></p>
    </Layout>
  );
}

export const NOT_FOUND: Omit<ErrorView, 'requestId'> = { status: 404, heading: '页面不存在', message: '您访问的页面不存在，请检查网址，或从首页重新查询。' };
export const SUBJECT_NOT_FOUND: Omit<ErrorView, 'requestId'> = {
  status: 404, heading: '未找到该信用主体',
  message: '没有找到与该代码对应、可向社会公开的信用主体。请检查统一社会信用代码是否正确。',
};
export const BAD_PAGE: Omit<ErrorView, 'requestId'> = { status: 400, heading: '翻页参数无效', message: '翻页链接已失效或被修改，请从第一页重新浏览。' };
export const RATE_LIMITED: Omit<ErrorView, 'requestId'> = { status: 429, heading: '访问过于频繁', message: '您的访问过于频繁，请稍候片刻再试。' };
export const UNAVAILABLE: Omit<ErrorView, 'requestId'> = { status: 503, heading: '服务暂时不可用', message: '信用信息服务暂时不可用，请稍后再试。' };
