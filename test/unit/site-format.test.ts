import { describe, expect, it } from 'vitest';
import { hideIdentityNumbers, isIndividual } from '../../src/web/format.js';

/** WEB1: what the website repeats of what a visitor typed. */
describe('WEB1: identity numbers typed into the website are never repeated', () => {
  const now = new Date('2026-06-01T04:00:00Z');

  it('WEB1: a resident identity number, 18 or 15 digits, anywhere in the text, is masked as §4.4 masks it', () => {
    expect(hideIdentityNumbers('11010519491231002X', now)).toEqual({ text: '1101**********002X', hidden: true });
    expect(hideIdentityNumbers('11010519491231002x', now)).toEqual({ text: '1101**********002X', hidden: true });
    expect(hideIdentityNumbers('张三 11010519491231002X 的记录', now)).toEqual({ text: '张三 1101**********002X 的记录', hidden: true });
    expect(hideIdentityNumbers('110105491231002', now)).toEqual({ text: '1101**********1002', hidden: true });
    // as typed with a Chinese input method (full-width digits), or in groups with spaces or dashes
    expect(hideIdentityNumbers('１１０１０５１９４９１２３１００２Ｘ', now)).toEqual({ text: '1101**********002X', hidden: true });
    expect(hideIdentityNumbers('110105 19491231 002X', now)).toEqual({ text: '1101**********002X', hidden: true });
    expect(hideIdentityNumbers('查询 110105-19491231-002X 的记录', now)).toEqual({ text: '查询 1101**********002X 的记录', hidden: true });
    // a mistyped one (checksum) is masked too: it is still someone's number, give or take a digit
    expect(hideIdentityNumbers('360426199101020090', now).hidden).toBe(true);
  });

  it('WEB1: an organisation\'s all-digit unified social credit code and ordinary text are repeated as typed', () => {
    expect(hideIdentityNumbers('121200004013590816', now)).toEqual({ text: '121200004013590816', hidden: false });
    expect(hideIdentityNumbers('91440203MA4UQ8R2XK', now)).toEqual({ text: '91440203MA4UQ8R2XK', hidden: false });
    expect(hideIdentityNumbers('韶关市丹霞建材 2026', now)).toEqual({ text: '韶关市丹霞建材 2026', hidden: false });
  });

  it('P3: an individual as the API returns it to the public (kind, or a masked code) is recognised, so that it is never linked', () => {
    expect(isIndividual({ kind: 'INDIVIDUAL', code: '1101**********002X' })).toBe(true);
    expect(isIndividual({ kind: 'ENTERPRISE', code: '1101**********002X' })).toBe(true);
    expect(isIndividual({ kind: 'ENTERPRISE', code: '91440203MA4UQ8R2XK' })).toBe(false);
  });
});
