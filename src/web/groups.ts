/**
 * How the website groups public records (WEB1): the sections of a subject page, and the list pages. Record types are
 * catalog codes (SPEC §3); which of their records anyone sees is the API's decision, never the site's.
 */
export interface RecordGroup {
  /** the alias in SubjectPage.graphql, and `?group=` of a subject page */
  slug: 'licences' | 'penalties' | 'lists' | 'honours' | 'commitments' | 'others';
  heading: string;
  types: readonly string[];
}

/** A subject page's sections, in order. SubjectPage.graphql asks for the same types under the same aliases. */
export const SUBJECT_GROUPS: readonly RecordGroup[] = [
  { slug: 'licences', heading: '行政许可', types: ['license'] },
  { slug: 'penalties', heading: '行政处罚', types: ['penalty'] },
  { slug: 'lists', heading: '名单信息', types: ['serious-dishonesty-list', 'dishonest-debtor', 'abnormal-operation'] },
  { slug: 'honours', heading: '守信激励（荣誉）', types: ['honor'] },
  { slug: 'commitments', heading: '信用承诺', types: ['commitment'] },
  { slug: 'others', heading: '其他公示信息', types: ['registration', 'qualification', 'self-declared', 'ip-infringement'] },
];

export interface ListDefinition {
  /** `/lists/:slug` */
  slug: string;
  heading: string;
  /** one line under the heading */
  about: string;
  types: readonly string[];
}

/** The list pages: current public entries, newest decision first, 20 a page. */
export const LISTS: readonly ListDefinition[] = [
  { slug: 'serious-dishonesty', heading: '严重失信主体名单', about: '依法认定并正在公示期内的严重失信主体。', types: ['serious-dishonesty-list'] },
  { slug: 'dishonest-debtors', heading: '失信被执行人', about: '人民法院依法公布、正在公示期内的失信被执行人。', types: ['dishonest-debtor'] },
  { slug: 'abnormal-operations', heading: '经营异常名录', about: '列入经营异常名录、尚未移出的市场主体。', types: ['abnormal-operation'] },
  { slug: 'honours', heading: '守信激励（红名单）', about: '获得守信激励、荣誉称号并在有效期内的信用主体。', types: ['honor'] },
  { slug: 'licences', heading: '行政许可公示', about: '“双公示”：各部门作出的行政许可决定，按决定日期由近及远。', types: ['license'] },
  { slug: 'penalties', heading: '行政处罚公示', about: '“双公示”：各部门作出的行政处罚决定，按决定日期由近及远；公示期满后不再公示。', types: ['penalty'] },
];

export const listBySlug = (slug: string): ListDefinition | undefined => LISTS.find((list) => list.slug === slug);
export const groupBySlug = (slug: string): RecordGroup | undefined => SUBJECT_GROUPS.find((group) => group.slug === slug);
