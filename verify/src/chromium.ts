/**
 * Headless Chromium (Debian's package, driven by playwright-core; no browser download) opening a
 * test page and reading the result it leaves on window.lersResult.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Launches Chromium, or says why it cannot. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Opens `url`, waits for window.lersResult (the page's requests done) and returns it; page errors are an error. */
export async function pageResult(browser: Browser, url: string, timeoutMs = 120_000): Promise<unknown> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // A failed load's message does not name the resource; its location does (Chromium's own favicon request is no error of the page).
    const where = m.location().url;
    if (m.type() === 'error' && !where.endsWith('/favicon.ico')) errors.push(where ? `${m.text()} (${where})` : m.text());
  });
  try {
    await page.goto(url);
    try {
      await page.waitForFunction('window.lersResult !== undefined', undefined, { timeout: timeoutMs });
    } catch {
      throw new Error(`no result within ${timeoutMs / 1000} s${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
    }
    return await page.evaluate('window.lersResult');
  } finally {
    await page.close();
  }
}
