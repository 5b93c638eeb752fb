import { generateResidentId, USCC_CHARSET, usccCheckChar } from '../../src/domain/identifiers.js';
import { copyRow } from './copy.js';
import * as names from './names.js';
import { REGISTRAR } from './organizations.js';
import { ENTERPRISE, INDIVIDUAL, KINDS, PUBLIC_INSTITUTION, type CityPlan } from './plan.js';
import { Rng, Weighted } from './rng.js';
import { dateText, instantAt, iso } from './time.js';

/**
 * One subject of the city, as its row in `subjects` and as the facts its record generator needs. Codes are valid
 * (I1 unified social credit codes with Shaoguan area codes, I2 resident identity numbers) and unique; names are
 * Chinese, built from word lists, unique among organisations.
 */
export interface CitySubject {
  id: number;
  code: string;
  kind: number;
  /** '91', '92', '93', '12', '51', '52', '53'; '' for individuals */
  prefix: string;
  name: string;
  status: 'ACTIVE' | 'DEREGISTERED' | 'REVOKED';
  /** local day numbers */
  registeredDay: number | null;
  birthDay: number | null;
  primaryGroup: string | null;
  legalRepresentative: string | null;
  address: string | null;
}

export const SUBJECT_COLUMNS = 'id, code, kind, name, status, registered_at, address, legal_representative, legal_representative_id, birth_date, code_flagged, registered_by, created_at, updated_at';

const SURNAMES = new Weighted(names.SURNAMES);
const INDUSTRIES = new Weighted(names.INDUSTRIES);
const COMPANY_FORMS = new Weighted(names.COMPANY_FORMS);
const ENTERPRISE_PREFIXES = new Weighted<string>([['91', 82], ['92', 12], ['93', 6]]);
const SOCIAL_PREFIXES = new Weighted<string>([['51', 5], ['52', 4], ['53', 1]]);
const SHAOGUAN_AREA_CODES = names.SHAOGUAN_AREAS.map((a) => a.code);

export class SubjectFactory {
  private readonly rng: Rng;
  private readonly codes = new Set<string>();
  private readonly orgNames = new Set<string>();
  private readonly groupWeights: Weighted<string>;

  constructor(seed: number, private readonly anchorDay: number, groups: readonly string[]) {
    this.rng = new Rng(seed);
    // the groups the demo knows get its weights; every other group of the catalog a small one
    const common: Record<string, number> = { TEACHER: 5, MEDICAL_WORKER: 5, LAWYER: 3, ACCOUNTANT: 3, TOUR_GUIDE: 2, PROJECT_MANAGER: 2, LEGAL_REPRESENTATIVE: 2 };
    this.groupWeights = new Weighted(groups.map((g) => [g, common[g] ?? 0.7] as const));
  }

  drawGroup(): string {
    return this.groupWeights.draw(this.rng);
  }

  personName(): string {
    const { rng } = this;
    const given = rng.chance(0.3) ? rng.pick(names.GIVEN_NAME_CHARS) : rng.pick(names.GIVEN_NAME_CHARS) + rng.pick(names.GIVEN_NAME_CHARS);
    return SURNAMES.draw(rng) + given;
  }

  /** A resident identity number not used yet, born on a local day. */
  residentId(birthDay: number): string {
    for (;;) {
      const area = this.rng.chance(0.8) ? this.rng.pick(SHAOGUAN_AREA_CODES) : this.rng.pick(names.OTHER_BIRTH_AREAS);
      const code = generateResidentId(this.rng.next, dateText(birthDay), area);
      if (!this.codes.has(code)) {
        this.codes.add(code);
        return code;
      }
    }
  }

  /** A unified social credit code with a Shaoguan area code, not used yet. */
  orgCode(prefix: string, area: string): string {
    for (;;) {
      let first17 = prefix + area;
      for (let i = 0; i < 9; i++) first17 += this.rng.chance(0.85) ? String(this.rng.int(0, 9)) : USCC_CHARSET[this.rng.int(10, 30)];
      const code = first17 + usccCheckChar(first17);
      if (!this.codes.has(code)) {
        this.codes.add(code);
        return code;
      }
    }
  }

  private uniqueName(make: () => string): string {
    for (let attempt = 0; attempt < 8; attempt++) {
      const name = make();
      if (!this.orgNames.has(name)) {
        this.orgNames.add(name);
        return name;
      }
    }
    const name = `${make()}（${this.orgNames.size + 1}）`;
    this.orgNames.add(name);
    return name;
  }

  private tradeName(): string {
    const { rng } = this;
    return rng.chance(0.25) ? rng.pick(names.TRADE_NAMES) : rng.pick(names.TRADE_CHARS) + rng.pick(names.TRADE_CHARS);
  }

  private address(area: (typeof names.SHAOGUAN_AREAS)[number]): string {
    const { rng } = this;
    return `广东省韶关市${area.name}${rng.pick(names.STREETS)}${rng.int(1, 388)}号${rng.pick(names.BUILDINGS)}`;
  }

  make(index: number, plan: CityPlan): CitySubject {
    const { rng, anchorDay } = this;
    const kind = plan.kind[index]!;
    const id = index + 1;
    if (kind === INDIVIDUAL) {
      const minor = plan.minor[index] === 1;
      const age = minor ? rng.int(1, 17) : Math.min(90, 18 + Math.floor(-Math.log(1 - rng.next()) * 20));
      const birthDay = anchorDay - age * 365 - rng.int(1, 364);
      return {
        id, code: this.residentId(birthDay), kind, prefix: '', name: this.personName(), status: 'ACTIVE', registeredDay: null, birthDay,
        primaryGroup: !minor && rng.chance(0.75) ? this.drawGroup() : null, legalRepresentative: null,
        address: rng.chance(0.5) ? this.address(rng.pick(names.SHAOGUAN_AREAS)) : null,
      };
    }
    const area = rng.pick(names.SHAOGUAN_AREAS);
    const place = (() => {
      const r = rng.next();
      return r < 0.45 ? '韶关市' : r < 0.8 ? area.prefix : r < 0.9 ? '广东' : '';
    })();
    let prefix: string;
    let name: string;
    let registeredYearsAgo: number;
    const representative = this.personName();
    if (kind === ENTERPRISE) {
      prefix = ENTERPRISE_PREFIXES.draw(rng);
      name = this.uniqueName(() => {
        if (prefix === '92') return `${area.prefix}${Array.from(representative)[0]}记${rng.pick(names.SHOP_TRADES)}`;
        if (prefix === '93') return `${area.prefix}${this.tradeName()}${rng.pick(names.COOPERATIVE_PRODUCTS)}专业合作社`;
        return `${place}${this.tradeName()}${INDUSTRIES.draw(rng)}${COMPANY_FORMS.draw(rng)}`;
      });
      registeredYearsAgo = 25;
    } else if (kind === PUBLIC_INSTITUTION) {
      prefix = '12';
      name = this.uniqueName(() => rng.chance(0.3)
        ? `${rng.chance(0.5) ? '韶关市' : area.prefix}${rng.pick(names.CITY_INSTITUTIONS)}`
        : `${area.prefix}${rng.pick(names.TOWNS)}${rng.pick(names.TOWN_INSTITUTIONS)}`);
      registeredYearsAgo = 40;
    } else {
      prefix = SOCIAL_PREFIXES.draw(rng);
      const orgNames = names.SOCIAL_ORGANIZATION_NAMES[prefix as '51' | '52' | '53'];
      name = this.uniqueName(() => `${rng.chance(0.5) ? '韶关市' : area.prefix}${prefix === '51' && rng.chance(0.5)
        ? rng.pick(names.ASSOCIATION_TRADES) : this.tradeName()}${rng.pick(orgNames)}`);
      registeredYearsAgo = 30;
    }
    const registeredDay = anchorDay - 30 - Math.floor(Math.pow(rng.next(), 1.6) * registeredYearsAgo * 365);
    const status = kind === ENTERPRISE ? (rng.chance(0.94) ? 'ACTIVE' : rng.chance(0.66) ? 'DEREGISTERED' : 'REVOKED') : 'ACTIVE';
    return {
      id, code: this.orgCode(prefix, area.code), kind, prefix, name, status, registeredDay, birthDay: null, primaryGroup: null,
      legalRepresentative: representative, address: this.address(area),
    };
  }

  /** The subject's row for COPY (columns SUBJECT_COLUMNS). */
  row(s: CitySubject): string {
    const kindName = KINDS[s.kind]!;
    const created = s.registeredDay !== null ? instantAt(s.registeredDay, 10) : instantAt(this.anchorDay - 1 - (s.id % 2000), 9);
    const createdText = iso(Math.max(created, instantAt(this.anchorDay - 3000, 9)));
    const representativeId = s.legalRepresentative !== null ? this.residentId(this.anchorDay - this.rng.int(25, 65) * 365 - this.rng.int(1, 364)) : null;
    return copyRow([
      String(s.id), s.code, kindName, s.name, s.status, s.registeredDay === null ? null : dateText(s.registeredDay), s.address,
      s.legalRepresentative, representativeId, s.birthDay === null ? null : dateText(s.birthDay), 'f', REGISTRAR[kindName],
      createdText, createdText,
    ]);
  }
}
