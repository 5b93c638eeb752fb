import { existsSync } from 'node:fs';

/**
 * The Chromium binary for browser tests (Debian's `chromium`, or CHROMIUM_PATH). Without one the test is skipped,
 * with the reason printed — unless REQUIRE_BROWSER=1: CI installs chromium (.ci/run) and sets it, so there a
 * missing browser is a failure, not a skip.
 */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'];

export function findChromium(rule: string): string | undefined {
  const executablePath = CANDIDATES.find((candidate): candidate is string => Boolean(candidate) && existsSync(candidate!));
  if (!executablePath && process.env.REQUIRE_BROWSER === '1') throw new Error('REQUIRE_BROWSER=1 but no Chromium binary was found');
  if (!executablePath) {
    console.warn(`${rule} browser test skipped: no Chromium binary at ${CANDIDATES.filter(Boolean).join(', ')}. `
      + 'Install it (apt-get install -y chromium) or point CHROMIUM_PATH at one.');
  }
  return executablePath;
}
