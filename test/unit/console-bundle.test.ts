// The console's first page: the JavaScript it loads before showing anything (index.html's module
// script and the modules it preloads, not the pages' lazy chunks) stays within 400 KiB gzipped,
// and index.html has no inline script (the Content-Security-Policy allows scripts from 'self'
// only). A size, not a time: the same build gives the same bytes. dist/console is built by the
// global setup (test/support/global-setup.ts runs bin/build.mjs); `npm run bench` reports the
// same figure as consoleInitialJsKiB.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CONSOLE_DIRECTORY, initialJs } from '../../bench/console.js';

const LIMIT_KIB = 400;

describe("the console's first page", () => {
  it(`loads at most ${LIMIT_KIB} KiB of JavaScript, gzipped, and leaves the pages to lazy chunks`, () => {
    const first = initialJs(CONSOLE_DIRECTORY);
    expect(first.files.length).toBeGreaterThan(0);
    for (const file of first.files) expect(file).toMatch(/^\/assets\/[\w.-]+\.js$/);
    expect(first.gzipBytes / 1024).toBeLessThanOrEqual(LIMIT_KIB);
    // Every page is a chunk of its own, loaded when it is opened: not all of the JavaScript is first.
    const chunks = readdirSync(join(CONSOLE_DIRECTORY, 'assets')).filter((file) => file.endsWith('.js'));
    expect(chunks.length).toBeGreaterThan(first.files.length);
  });

  it('has no inline script in index.html', () => {
    expect(initialJs(CONSOLE_DIRECTORY).inlineScripts).toBe(0);
    const html = readFileSync(join(CONSOLE_DIRECTORY, 'index.html'), 'utf8');
    // Every <script> names its file; none carries code of its own.
    for (const [, attributes, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      expect(attributes).toMatch(/\bsrc\s*=/);
      expect(body!.trim()).toBe('');
    }
  });

  it('counts the module script and its modulepreloads, not stylesheets or other scripts, and finds inline scripts', () => {
    const directory = mkdtempSync(join(tmpdir(), 'console-bundle-'));
    mkdirSync(join(directory, 'assets'));
    const contents = { 'entry.js': 'export const a = 1;'.repeat(50), 'shared.js': 'export const b = 2;', 'lazy.js': 'x'.repeat(5000) };
    for (const [file, text] of Object.entries(contents)) writeFileSync(join(directory, 'assets', file), text);
    writeFileSync(
      join(directory, 'index.html'),
      `<html><head><script type="module" crossorigin src="/assets/entry.js"></script>
<link rel="modulepreload" crossorigin href="/assets/shared.js"><link rel="stylesheet" href="/assets/lazy.js">
<script>window.inline = true;</script></head></html>`,
    );
    const first = initialJs(directory);
    expect(first.files).toEqual(['/assets/entry.js', '/assets/shared.js']);
    expect(first.gzipBytes).toBe(
      gzipSync(contents['entry.js'], { level: 9 }).length + gzipSync(contents['shared.js'], { level: 9 }).length,
    );
    expect(first.inlineScripts).toBe(1);
  });
});
