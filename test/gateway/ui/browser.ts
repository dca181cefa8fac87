// Headless Chromium for the dashboard's end-to-end tests: Debian's `chromium` driven by playwright-core (which
// downloads no browser of its own). `chromiumPath()` says where it is, or undefined, and the tests skip saying why.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { WAIT_MS } from '../../helpers/until.ts';

const CANDIDATES = [process.env['SWITCHYARD_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}

/** Where the tests save what they saw (git ignores it). */
export const SCREENSHOTS = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test-output',
  'screenshots',
);

export async function launch(executablePath: string): Promise<Browser & AsyncDisposable> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Every page waits as long as the suite's other waits: playwright's 30 s was met at load 45 by clicks that did land.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultTimeout(WAIT_MS);
    return context;
  };
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}
