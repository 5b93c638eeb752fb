import { describe, expect, it } from 'vitest';
import { maskPersonName, maskResidentId } from '../../src/domain/masking.js';

describe('masking: individual name', () => {
  it.each([
    ['张三', '张*'],
    ['张小三', '张*三'],
    ['欧阳小明', '欧**明'],
    ['李四', '李*'],
    ['司马相如', '司**如'],
  ])('masking: name %s → %s', (name, masked) => {
    expect(maskPersonName(name)).toBe(masked);
  });

  it('masking: a 1-character name is kept as is (nothing else to hide)', () => {
    expect(maskPersonName('王')).toBe('王');
  });

  it('masking: names are handled by code point (non-BMP characters are not split)', () => {
    expect(maskPersonName('𠮷野家')).toBe('𠮷*家');
    expect(maskPersonName('𠮷𠮷')).toBe('𠮷*');
    expect(maskPersonName('张𠮷𠮷三')).toBe('张**三');
  });

  it('masking: surrounding whitespace is trimmed; an empty name stays empty', () => {
    expect(maskPersonName(' 张小三 ')).toBe('张*三');
    expect(maskPersonName('')).toBe('');
  });
});

describe('masking: identity number', () => {
  it('masking: 11010519491231002X → 1101**********002X', () => {
    expect(maskResidentId('11010519491231002X')).toBe('1101**********002X');
  });

  it('masking: the identity number is trimmed and upper-cased', () => {
    expect(maskResidentId(' 11010519491231002x ')).toBe('1101**********002X');
  });

  it('masking: 10 stars regardless of length; short inputs are fully hidden', () => {
    expect(maskResidentId('110105490101001')).toBe('1101**********1001');
    expect(maskResidentId('12345678')).toBe('**********');
    expect(maskResidentId('')).toBe('**********');
  });
});
