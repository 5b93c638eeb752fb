import type { ComponentChildren } from 'preact';
import { LISTS } from './groups.js';

/**
 * The frame of every page (WEB3): lang="zh-CN", a skip link, header / nav / main / footer landmarks, one h1 (the
 * page's own), the one stylesheet of this host and no script at all.
 */
export const SITE_NAME = '公共信用信息公示';

export interface LayoutProps {
  title: string;
  stylesheet: string;
  /** the path of the current navigation entry (aria-current) */
  current?: string;
  /** search pages, individuals' pages and error pages are not for search engines */
  noindex?: boolean;
  /** a compact search form in the header (not on pages that have one in main) */
  headerSearch?: boolean;
  children: ComponentChildren;
}

const NAV: { href: string; text: string }[] = [
  { href: '/', text: '首页' },
  ...['licences', 'penalties', 'serious-dishonesty', 'dishonest-debtors', 'abnormal-operations', 'honours'].map((slug) => {
    const list = LISTS.find((l) => l.slug === slug)!;
    return { href: `/lists/${slug}`, text: list.heading.replace(/公示$/, '').replace(/（红名单）$/, '') };
  }),
];

export function Layout({ title, stylesheet, current, noindex, headerSearch = true, children }: LayoutProps) {
  return (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {noindex ? <meta name="robots" content="noindex" /> : null}
        <title>{`${title} - ${SITE_NAME}`}</title>
        <link rel="stylesheet" href={stylesheet} />
      </head>
      <body>
        <a class="skip-link" href="#main">跳到主要内容</a>
        <header class="site-header">
          <div class="wrap header-row">
            <a class="brand" href="/">{SITE_NAME}</a>
            {headerSearch ? <SearchForm id="header-q" compact /> : null}
          </div>
          <nav class="site-nav" aria-label="主导航">
            <ul class="wrap">
              {NAV.map((item) => (
                <li><a href={item.href} aria-current={item.href === current ? 'page' : undefined}>{item.text}</a></li>
              ))}
            </ul>
          </nav>
        </header>
        <main id="main" class="wrap">
          {children}
        </main>
        <footer class="site-footer">
          <div class="wrap">
            <p>本网站公示的信用信息由各部门依法报送，公示期满的信息自动停止公示。对公示信息有异议的，信用主体可向信息提供单位提出异议或申请信用修复。</p>
            <p>为保护个人信息，自然人的姓名和身份证号码已作遮蔽处理；每次查询均依法留存查询记录。</p>
          </div>
        </footer>
      </body>
    </html>
  );
}

export function SearchForm({ id, value = '', compact = false }: { id: string; value?: string; compact?: boolean }) {
  return (
    <form class={compact ? 'search search-compact' : 'search'} action="/search" method="get" role="search">
      <label for={id}>企业名称或统一社会信用代码</label>
      <div class="search-row">
        <input id={id} name="q" type="search" value={value === '' ? undefined : value} minLength={2} maxLength={100} autocomplete="off" spellcheck={false} />
        <button type="submit">查询</button>
      </div>
    </form>
  );
}

/** Cursors only go forward: a next-page link, and back to the first page once past it. */
export function Pager({ first, next }: { first: string | null; next: string | null }) {
  if (!first && !next) return null;
  return (
    <nav class="pager" aria-label="翻页">
      {first ? <a href={first}>第一页</a> : null}
      {next ? <a href={next} rel="next">下一页</a> : null}
    </nav>
  );
}
