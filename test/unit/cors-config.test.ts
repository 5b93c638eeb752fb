import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** SPEC O6 settings: CORS_ORIGINS (exact origins, default none) and GRAPHQL_IDE (default on outside production). */
const PRODUCTION = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-enough-length' };

describe('O6: CORS_ORIGINS', () => {
  it('O6: defaults to no origins', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
  });

  it('O6: reads comma-separated exact origins (blanks and repeats ignored)', () => {
    const config = loadConfig({ CORS_ORIGINS: ' https://portal.example.gov.cn, http://localhost:5173,,https://portal.example.gov.cn ' });
    expect(config.corsOrigins).toEqual(['https://portal.example.gov.cn', 'http://localhost:5173']);
  });

  it.each([
    ['https://portal.example.gov.cn/', 'https://portal.example.gov.cn'],
    ['https://portal.example.gov.cn/app', 'https://portal.example.gov.cn'],
    ['https://Portal.Example.gov.cn', 'https://portal.example.gov.cn'],
    ['https://portal.example.gov.cn:443', 'https://portal.example.gov.cn'],
    ['https://portal.example.gov.cn?x=1', 'https://portal.example.gov.cn'],
    ['https://user@portal.example.gov.cn', 'https://portal.example.gov.cn'],
  ])('O6: %s is not an exact origin: refuses to start, naming it and the origin meant', (value, meant) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(value);
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(`did you mean "${meant}"`);
  });

  it.each([['*'], ['portal.example.gov.cn'], ['ftp://files.example.gov.cn'], ['file:///etc'], ['null'], ['https://']])(
    'O6: %s is not an http(s) origin: refuses to start, naming it',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: `https://ok.example.gov.cn,${value}` })).toThrow(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: `https://ok.example.gov.cn,${value}` })).toThrow(`"${value}"`);
    },
  );
});

describe('O6: GRAPHQL_IDE', () => {
  it('O6: on by default outside production, off by default in production', () => {
    expect(loadConfig({}).graphqlIde).toBe(true);
    expect(loadConfig(PRODUCTION).graphqlIde).toBe(false);
  });

  it('O6: GRAPHQL_IDE=1 turns it on in production; GRAPHQL_IDE=0 turns it off anywhere', () => {
    expect(loadConfig({ ...PRODUCTION, GRAPHQL_IDE: '1' }).graphqlIde).toBe(true);
    expect(loadConfig({ GRAPHQL_IDE: '0' }).graphqlIde).toBe(false);
  });

  it.each([['true'], ['yes'], ['2']])('O6: GRAPHQL_IDE=%s refuses to start', (value) => {
    expect(() => loadConfig({ GRAPHQL_IDE: value })).toThrow(ConfigError);
    expect(() => loadConfig({ GRAPHQL_IDE: value })).toThrow(`"${value}"`);
  });
});
