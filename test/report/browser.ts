/**
 * Headless Chromium for the report tests (playwright-core driving the Debian `chromium`; no
 * browser is downloaded). Without a Chromium the tests skip with a message, except when
 * PARSL_CWL_BROWSER=1 (CI sets it in .ci/run), where a missing browser fails them.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.PARSL_CWL_CHROMIUM ?? '/usr/bin/chromium';
export const BROWSER_REQUIRED = process.env.PARSL_CWL_BROWSER === '1';

/** The reason the browser tests skip, or undefined when they run. */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (BROWSER_REQUIRED) throw new Error(`${CHROMIUM} is missing and PARSL_CWL_BROWSER=1: install the Debian chromium package (.ci/run does)`);
  return `no Chromium at ${CHROMIUM} (install the Debian chromium package, or set PARSL_CWL_CHROMIUM)`;
}

export async function launch(): Promise<Browser> {
  // Playwright starts it with a fresh empty profile; the flags keep a closed network from being tried.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface OpenedReport {
  page: Page;
  /** Milliseconds from navigation to the page's first drawing done (body[data-ready]). */
  openMs: number;
  consoleErrors: string[];
  /** Every request other than the report file itself. */
  requests: string[];
}

export async function openReport(browser: Browser, file: string, viewport = { width: 1100, height: 800 }): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport });
  const url = pathToFileURL(file).href;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  const began = performance.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  return { page, openMs: performance.now() - began, consoleErrors, requests };
}
