// The operator console, measured: the JavaScript its first page loads (gzipped, as a browser
// fetches it), and how long the Users page takes to show its first row in headless Chromium for
// a tenant of 100,000 users against one of 1,000 (the page reads one page of 50 from the list
// index, so the two should be the same).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { median } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Where bin/build.mjs builds the console. */
export const CONSOLE_DIRECTORY = join(root, 'dist', 'console');

/** Builds dist/console when a console source changed since its last build (as npm start does). */
export async function ensureConsoleBuilt(): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', "await (await import('./bin/build.mjs')).ensureConsoleBuilt();"], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`building the console failed (exit ${code})`);
}

/** The attributes of each `<name …>` tag in an HTML text, and what a `<script>` holds. */
function tags(html: string, name: string): { attributes: Record<string, string>; body: string }[] {
  const found: { attributes: Record<string, string>; body: string }[] = [];
  const tag = new RegExp(`<${name}\\b([^>]*)>${name === 'script' ? '([\\s\\S]*?)</script>' : ''}`, 'gi');
  for (const match of html.matchAll(tag)) {
    const attributes: Record<string, string> = {};
    for (const attribute of match[1]!.matchAll(/([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g))
      attributes[attribute[1]!.toLowerCase()] = attribute[2] ?? attribute[3] ?? attribute[4] ?? '';
    found.push({ attributes, body: match[2] ?? '' });
  }
  return found;
}

export interface InitialJs {
  /** The module entry and every module it preloads, as index.html names them (paths under the console). */
  files: string[];
  /** Their gzipped sizes added up (gzip level 9, each file on its own, as served). */
  gzipBytes: number;
  /** `<script>` elements without src (the Content-Security-Policy refuses them). */
  inlineScripts: number;
}

/** The JavaScript the console's first page loads: index.html's module script and its modulepreloads, not the lazy chunks. */
export function initialJs(directory = CONSOLE_DIRECTORY): InitialJs {
  const html = readFileSync(join(directory, 'index.html'), 'utf8');
  const scripts = tags(html, 'script');
  const files = [
    ...scripts.filter(({ attributes }) => attributes.type === 'module' && attributes.src).map(({ attributes }) => attributes.src!),
    ...tags(html, 'link')
      .filter(({ attributes }) => attributes.rel?.split(/\s+/).includes('modulepreload') && attributes.href)
      .map(({ attributes }) => attributes.href!),
  ];
  if (files.length === 0) throw new Error(`${join(directory, 'index.html')} names no module script`);
  const gzipBytes = files.reduce(
    (sum, file) => sum + gzipSync(readFileSync(join(directory, file.replace(/^\/+/, ''))), { level: 9 }).length,
    0,
  );
  return { files, gzipBytes, inlineScripts: scripts.filter(({ attributes }) => attributes.src === undefined).length };
}

/** A console served for one tenant: its URL and a reader token of that tenant. */
export interface ConsoleTenant {
  url: string;
  token: string;
}

/**
 * The time from navigating to /users until the first user's SIP address shows, for each tenant,
 * navigations alternating between them after one warm-up each; `rounds` rounds of `perRound`
 * navigations a tenant, the median of the rounds' ratios of medians (one busy moment of a shared
 * machine does not decide it).
 */
export async function measureUsersPage(
  small: ConsoleTenant,
  large: ConsoleTenant,
  { rounds = 3, perRound = 7, log }: { rounds?: number; perRound?: number; log?: (message: string) => void } = {},
) {
  // Debian's Chromium with the end-to-end tests' flags (loaded only when this phase runs).
  const { launchBrowser } = await import('../test/support/browser.js');
  const browser = await launchBrowser();
  try {
    // A context each: each console on its own origin, signed in as the console keeps a session.
    const open = async ({ url, token }: ConsoleTenant) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      // Where the console keeps its token (console/src/session.tsx); about:blank has no storage.
      await context.addInitScript({
        content: `try { sessionStorage.setItem('exum-console-token', ${JSON.stringify(token)}); } catch {}`,
      });
      const page = await context.newPage();
      return async () => {
        const start = performance.now();
        await page.goto(`${url}/users`, { waitUntil: 'commit' });
        await page
          .getByText(/^sip:user\d+@bench\.example\.com$/)
          .first()
          .waitFor({ state: 'visible', timeout: 60_000 });
        const total = performance.now() - start;
        // Where the time went, from the page's own clock: its scripts run (DOMContentLoaded ends
        // after the module and its preloads have run) and the list request (sent and answered).
        const [scriptsMs, listStartMs, listEndMs] = await page.evaluate<[number, number, number]>(`(() => {
          const navigation = performance.getEntriesByType('navigation')[0];
          const list = performance.getEntriesByType('resource').find((entry) => /\\/users\\?/.test(entry.name));
          return [navigation?.domContentLoadedEventEnd ?? NaN, list?.startTime ?? NaN, list?.responseEnd ?? NaN];
        })()`);
        return { total, scriptsMs, listStartMs, listEndMs };
      };
    };
    const visitSmall = await open(small);
    const visitLarge = await open(large);
    await visitSmall();
    await visitLarge();
    log?.('measuring the console Users page');
    type Visit = Awaited<ReturnType<typeof visitSmall>>;
    const all = { small: [] as Visit[], large: [] as Visit[] };
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const small: Visit[] = [];
      const large_: Visit[] = [];
      for (let index = 0; index < perRound; index++) {
        // Alternating which goes first, so neither always follows the other.
        if (index % 2 === 0) {
          small.push(await visitSmall());
          large_.push(await visitLarge());
        } else {
          large_.push(await visitLarge());
          small.push(await visitSmall());
        }
      }
      ratios.push(median(large_.map((visit) => visit.total)) / median(small.map((visit) => visit.total)));
      all.small.push(...small);
      all.large.push(...large_);
    }
    const medianOf = (visits: Visit[], pick: (visit: Visit) => number) => median(visits.map(pick));
    const parts = (visits: Visit[]) => ({
      totalMs: medianOf(visits, (visit) => visit.total),
      scriptsMs: medianOf(visits, (visit) => visit.scriptsMs),
      listRequestMs: medianOf(visits, (visit) => visit.listEndMs - visit.listStartMs),
      listAnsweredMs: medianOf(visits, (visit) => visit.listEndMs),
    });
    return { ratio: median(ratios), ratios, small: parts(all.small), large: parts(all.large) };
  } finally {
    await browser.close();
  }
}
