import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BrowserContext, chromium } from 'playwright-core';

const run = promisify(execFile);

/** Debian's Chromium: Playwright's own browser download is not reachable here, the Debian package is. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Makes sure Debian's Chromium is installed (installing the `chromium` package when it is missing, as root).
 * Returns why it is not available when the install itself fails, so the caller can skip with that message.
 */
export async function ensureChromium(): Promise<{ ok: true } | { ok: false; why: string }> {
  if (existsSync(CHROMIUM)) return { ok: true };
  const apt = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 * 1024 * 1024 };
  try {
    try {
      await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], apt);
    } catch {
      // A fresh machine has no package lists yet.
      await run('apt-get', ['update'], apt);
      await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], apt);
    }
  } catch (error) {
    return { ok: false, why: `apt-get install chromium failed: ${(error as Error).message.split('\n')[0]}` };
  }
  return existsSync(CHROMIUM) ? { ok: true } : { ok: false, why: `${CHROMIUM} is missing after the install` };
}

/**
 * A headless Chromium with a fresh profile (Playwright passes it as --user-data-dir) and nothing that reaches
 * the network by itself.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
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
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
