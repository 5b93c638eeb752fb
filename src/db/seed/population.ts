/**
 * The demo's subjects: the cast first, then individuals, public institutions, social organisations and enterprises
 * with valid codes (I1, I2), Chinese names and Shaoguan addresses, each with the number of records it will get.
 */
import { generateResidentId, USCC_CHARSET, usccCheckChar } from '../../domain/identifiers.js';
import { planCast, type DemoCast } from './cast.js';
import * as words from './demo-names.js';
import { REGISTRAR, type Kind, type Person, type PlannedSubject } from './model.js';
import { daysInMonth, shift, ymdText, type Random, type Ymd } from './random.js';

class Population {
  readonly subjects: PlannedSubject[] = [];
  private readonly codes = new Set<string>();
  private readonly names = new Set<string>();
  constructor(private readonly rand: Random, private readonly today: Ymd) {}

  add(subject: PlannedSubject): void {
    this.codes.add(subject.code);
    if (subject.kind !== 'INDIVIDUAL') this.names.add(subject.name);
    this.subjects.push(subject);
  }

  personName(): string {
    const given = this.rand.chance(0.35) ? this.rand.pick(words.GIVEN_NAME_CHARS) : this.rand.pick(words.GIVEN_NAME_CHARS) + this.rand.pick(words.GIVEN_NAME_CHARS);
    return this.rand.weighted(words.SURNAMES) + given;
  }

  /** A person aged minAge..maxAge in the calendar year of `now`, with a resident identity number not used yet. */
  person(minAge: number, maxAge: number, name = this.personName()): Person {
    for (;;) {
      const y = this.today.y - this.rand.int(minAge, maxAge);
      const m = this.rand.int(1, 12);
      const birthDate = ymdText({ y, m, d: this.rand.int(1, daysInMonth(y, m)) });
      const area = this.rand.chance(0.8) ? this.rand.pick(words.SHAOGUAN_AREAS).code : this.rand.pick(words.OTHER_BIRTH_AREAS);
      const code = generateResidentId(this.rand.next, birthDate, area);
      if (!this.codes.has(code)) return { name, code, birthDate };
    }
  }

  /** A Shaoguan-registered unified social credit code (positions 3–8 a Shaoguan area code), not used yet. */
  orgCode(prefix: string, area: string): string {
    for (;;) {
      let first17 = prefix + area;
      for (let i = 0; i < 9; i++) first17 += this.rand.chance(0.85) ? String(this.rand.int(0, 9)) : this.rand.pick([...USCC_CHARSET.slice(10)]);
      const code = first17 + usccCheckChar(first17);
      if (!this.codes.has(code)) return code;
    }
  }

  uniqueName(make: () => string): string {
    for (let attempt = 0; ; attempt++) {
      const name = make();
      if (!this.names.has(name)) return name;
      // only very large populations run out of combinations
      if (attempt > 100) return `${name}（${this.names.size + 1}）`;
    }
  }

  address(area: (typeof words.SHAOGUAN_AREAS)[number]): string {
    return `广东省韶关市${area.name}${this.rand.pick(words.STREETS)}${this.rand.int(1, 388)}号${this.rand.pick(words.BUILDINGS)}`;
  }

  registeredAt(minDaysAgo: number, maxDaysAgo: number): string {
    return ymdText(shift(this.today, { days: -this.rand.int(minDaysAgo, maxDaysAgo) }));
  }
}

function planIndividual(pop: Population, rand: Random): PlannedSubject {
  const person = pop.person(25, 70);
  return {
    code: person.code, kind: 'INDIVIDUAL', prefix: '', name: person.name, status: 'ACTIVE', registeredAt: null, address: null,
    legalRepresentative: null, birthDate: person.birthDate, registeredBy: REGISTRAR.INDIVIDUAL,
    primaryGroup: rand.chance(0.75) ? rand.weighted(words.QUALIFICATIONS.map((q) => [q.group, q.weight] as const)) : null,
    recordCount: 0, cast: false,
  };
}

function planOrganization(pop: Population, rand: Random, kind: Exclude<Kind, 'INDIVIDUAL'>, adults: readonly PlannedSubject[]): PlannedSubject {
  const area = rand.pick(words.SHAOGUAN_AREAS);
  const place = rand.chance(0.6) ? '韶关市' : area.prefix;
  const representative: Person = adults.length > 0 && rand.chance(0.2)
    ? (({ name, code, birthDate }) => ({ name, code, birthDate: birthDate! }))(rand.pick(adults))
    : pop.person(30, 65);
  let prefix: string;
  let name: string;
  if (kind === 'ENTERPRISE') {
    prefix = rand.weighted([['91', 82], ['92', 12], ['93', 6]]);
    name = pop.uniqueName(() => {
      if (prefix === '92') return `${area.prefix}${Array.from(representative.name)[0]}记${rand.pick(words.SHOP_TRADES)}`;
      if (prefix === '93') return `${area.prefix}${rand.pick(words.TRADE_NAMES)}${rand.pick(words.COOPERATIVE_PRODUCTS)}专业合作社`;
      return `${place}${rand.pick(words.TRADE_NAMES)}${rand.pick(words.INDUSTRIES)}${rand.weighted(words.COMPANY_FORMS)}`;
    });
  } else if (kind === 'PUBLIC_INSTITUTION') {
    prefix = '12';
    name = pop.uniqueName(() => `${rand.chance(0.4) ? '韶关市' : area.prefix}${rand.pick(words.PUBLIC_INSTITUTION_NAMES)}`);
  } else {
    prefix = rand.weighted([['51', 5], ['52', 4], ['53', 1]]);
    const names = words.SOCIAL_ORGANIZATION_NAMES[prefix as '51' | '52' | '53'];
    name = pop.uniqueName(() => `${rand.chance(0.5) ? '韶关市' : area.prefix}${prefix === '51' && rand.chance(0.6) ? '' : rand.pick(words.TRADE_NAMES)}${rand.pick(names)}`);
  }
  const status = kind === 'ENTERPRISE' ? rand.weighted<PlannedSubject['status']>([['ACTIVE', 94], ['DEREGISTERED', 4], ['REVOKED', 2]]) : 'ACTIVE';
  return {
    code: pop.orgCode(prefix, area.code), kind, prefix, name, status,
    registeredAt: pop.registeredAt(200, kind === 'ENTERPRISE' ? 25 * 365 : 40 * 365),
    address: pop.address(area), legalRepresentative: representative, birthDate: null, registeredBy: REGISTRAR[kind],
    primaryGroup: null, recordCount: 0, cast: false,
  };
}

/** Records per subject: a truncated Pareto (most have 3–8, a few dozens) plus four heavy subjects with 100+. */
export function planPopulation(total: number, today: Ymd, rand: Random): { subjects: PlannedSubject[]; cast: DemoCast } {
  const pop = new Population(rand, today);
  const cast = planCast(pop, today);
  const others = Math.max(0, total - pop.subjects.length);
  const individualCount = Math.round(others * 0.3);
  const institutionCount = Math.round(others * 0.07);
  const organizationCount = Math.round(others * 0.07);
  const generated: PlannedSubject[] = [];
  const adults: PlannedSubject[] = [];
  for (let i = 0; i < individualCount; i++) {
    const individual = planIndividual(pop, rand);
    pop.add(individual);
    generated.push(individual);
    adults.push(individual);
  }
  const kinds: Exclude<Kind, 'INDIVIDUAL'>[] = [
    ...Array<Exclude<Kind, 'INDIVIDUAL'>>(institutionCount).fill('PUBLIC_INSTITUTION'),
    ...Array<Exclude<Kind, 'INDIVIDUAL'>>(organizationCount).fill('SOCIAL_ORGANIZATION'),
    ...Array<Exclude<Kind, 'INDIVIDUAL'>>(others - individualCount - institutionCount - organizationCount).fill('ENTERPRISE'),
  ];
  for (const kind of kinds) {
    const organization = planOrganization(pop, rand, kind, adults);
    pop.add(organization);
    generated.push(organization);
  }
  for (let i = generated.length - 1; i > 0; i--) {
    const j = rand.int(0, i);
    [generated[i], generated[j]] = [generated[j]!, generated[i]!];
  }
  let heavyEnterprises = 3;
  let heavyInstitutions = 1;
  for (const subject of generated) {
    if (subject.prefix === '91' && subject.status === 'ACTIVE' && heavyEnterprises > 0) {
      heavyEnterprises--;
      subject.recordCount = rand.int(100, 160);
    } else if (subject.kind === 'PUBLIC_INSTITUTION' && heavyInstitutions > 0) {
      heavyInstitutions--;
      subject.recordCount = rand.int(100, 130);
    } else {
      subject.recordCount = Math.min(60, Math.floor(4 * Math.pow(1 - rand.next(), -1 / 1.9)));
    }
  }
  const castSubjects = pop.subjects.filter((s) => s.cast);
  return { subjects: [...castSubjects, ...generated], cast };
}
