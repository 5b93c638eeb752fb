/**
 * Display masking of an individual's personal data. Pure: no I/O, no dependencies.
 * Characters are counted by code point (Array.from), so non-BMP characters (e.g. 𠮷) are never split.
 */

/**
 * Individual's name: keep the first character, and the last when the name has 3 or more characters; every other
 * character becomes `*` (张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明).
 *
 * A 1-character name is returned unchanged: there is nothing beyond the kept first character to hide.
 * Surrounding whitespace is trimmed first, so a leading space is never "the first character" that is kept
 * while the real first character is masked. An empty (or blank) name gives ''.
 */
export function maskPersonName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return chars.join('');
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

const ID_KEEP = 4;
const ID_STARS = '*'.repeat(10);

/**
 * Identity number: first 4 and last 4 characters kept, 10 `*` between
 * (`11010519491231002X` → `1101**********002X`). The input is trimmed and upper-cased (`x` → `X`).
 * The number of stars is fixed, so it does not reveal the input's length; an input of 8 characters or fewer
 * (which first-4 + last-4 would reveal entirely) becomes 10 `*`.
 */
export function maskResidentId(code: string): string {
  const chars = Array.from(code.trim().toUpperCase());
  if (chars.length <= 2 * ID_KEEP) return ID_STARS;
  return chars.slice(0, ID_KEEP).join('') + ID_STARS + chars.slice(-ID_KEEP).join('');
}
