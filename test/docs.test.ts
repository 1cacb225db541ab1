/**
 * The documentation stands on its own (issue 15 item 5): every relative link in README.md and docs/*.md resolves to a
 * file of this repository (and a `#anchor` to a heading of it), no tracked file cites a file outside the repository,
 * README links every docs page, and docs/operations.md lists every configuration variable and metric the code has.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const docsPages = () =>
  readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);

/** The markdown files whose links are checked. */
const checkedFiles = () => ['README.md', 'sdk/node/README.md', ...docsPages()];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, duplicates numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCodeBlocks(markdown).split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n ? `${slug}-${n}` : slug);
  }
  return anchors;
}

function withoutCodeBlocks(markdown: string): string {
  // Fenced blocks blanked line by line, so line numbers stay right.
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line;
    })
    .join('\n');
}

interface BrokenLink {
  file: string;
  line: number;
  target: string;
  problem: string;
}

/** Relative links of `markdown` (a file at `file`, relative to the root) that do not resolve. */
export function brokenLinks(file: string, markdown: string, read: (path: string) => string | null = readRepoFile): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const lines = withoutCodeBlocks(markdown).split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/`[^`]*`/g, '``'); // links inside inline code are text
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = pathPart ? relative(ROOT, resolve(ROOT, dirname(file), pathPart)) : file;
      if (resolved.startsWith('..')) {
        broken.push({ file, line: index + 1, target, problem: 'points outside the repository' });
        continue;
      }
      const text = read(resolved);
      if (text === null) {
        broken.push({ file, line: index + 1, target, problem: `no such file: ${resolved}` });
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !headingAnchors(text).has(anchor)) {
        broken.push({ file, line: index + 1, target, problem: `no heading #${anchor} in ${resolved}` });
      }
    }
  });
  return broken;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function readRepoFile(path: string): string | null {
  const full = join(ROOT, path);
  if (!existsSync(full)) return null;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
}

describe('the documentation', () => {
  it('finds a broken link, a broken anchor and a link out of the repository (the check can fail)', () => {
    const files: Record<string, string> = { 'docs/a.md': '# A page\n\n## Second part\n', 'README.md': '' };
    const read = (path: string) => files[path] ?? null;
    const markdown = [
      'Fine: [a](a.md), [a part](a.md#second-part), [top](#a-page), [web](https://example.com/x.md).',
      'Broken: [gone](gone.md) and [bad anchor](a.md#third-part).',
      `Outside: [design](../../${'shared'}/${'DESIGN'}.md).`,
      '`[not a link](nowhere.md)` is code.',
      '```',
      '[also code](nowhere.md)',
      '```',
      '# A page',
    ].join('\n');
    expect(brokenLinks('docs/b.md', markdown, (p) => (p === 'docs/b.md' ? markdown : read(p))).map((b) => `${b.line} ${b.target}: ${b.problem}`)).toEqual([
      '2 gone.md: no such file: docs/gone.md',
      '2 a.md#third-part: no heading #third-part in docs/a.md',
      `3 ../../${'shared'}/${'DESIGN'}.md: points outside the repository`,
    ]);
    expect([
      ...headingAnchors('# Forwarding to the tenant’s app\n## Performance targets (`bench/`, ratios)\n## Performance targets (`bench/`, ratios)'),
    ]).toEqual(['forwarding-to-the-tenants-app', 'performance-targets-bench-ratios', 'performance-targets-bench-ratios-1']);
  });

  it('has no broken relative link or #anchor in README.md, sdk/node/README.md and docs/*.md', () => {
    const broken = checkedFiles().flatMap((file) => brokenLinks(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(broken.map((b) => `${b.file}:${b.line} ${b.target} — ${b.problem}`)).toEqual([]);
  });

  it('README links every docs page', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const page of docsPages()) expect(readme, `README.md does not link ${page}`).toContain(`](${page})`);
  });

  it('no tracked text file cites a file outside the repository (the shared design and conventions files)', () => {
    // Built from pieces so this file does not match itself.
    const outside = [['..', 'shared/'].join('/'), ['DESIGN', 'md'].join('.'), ['CONVENTIONS', 'md'].join('.'), ['security-reference', 'md'].join('.')];
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(tracked.length).toBeGreaterThan(100);
    const hits: string[] = [];
    for (const path of tracked) {
      const full = join(ROOT, path);
      if (!existsSync(full) || statSync(full).size > 2_000_000) continue;
      const buffer = readFileSync(full);
      if (buffer.includes(0)) continue; // binary
      const text = buffer.toString('utf8');
      for (const needle of outside) {
        const at = text.indexOf(needle);
        if (at >= 0) hits.push(`${path}:${text.slice(0, at).split('\n').length} cites ${needle}`);
      }
    }
    expect(hits).toEqual([]);
  });

  it('a section a file names in prose (a docs page or README, then a section name in double quotes) exists: a heading or a bold paragraph label', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    const missing: string[] = [];
    for (const path of tracked) {
      if (!/\.(ts|js|svelte|ya?ml|md|sh)$/.test(path) || !existsSync(join(ROOT, path))) continue;
      const text = readFileSync(join(ROOT, path), 'utf8');
      for (const m of text.matchAll(/(docs\/[a-z-]+\.md|README(?:\.md)?) "([^"\n]+)"/g)) {
        const page = m[1]!.startsWith('README') ? 'README.md' : m[1]!;
        const target = readRepoFile(page);
        const section = m[2]!;
        const plain = (target ?? '').replace(/`/g, '');
        const found = new RegExp(`^#{1,6} ${escape(section)}\\b|\\*\\*${escape(section)}\\b[^*]*\\*\\*`, 'm').test(plain);
        if (!found) missing.push(`${path}:${text.slice(0, m.index).split('\n').length} ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('docs/operations.md lists every PLUGBOARD_* variable of lib/env.ts and every metric of lib/metrics.ts', () => {
    const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const variables = [...readFileSync(join(ROOT, 'lib/env.ts'), 'utf8').matchAll(/^\s+(PLUGBOARD_[A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(variables.length).toBeGreaterThan(30);
    expect(variables.filter((v) => !operations.includes(`\`${v}\``))).toEqual([]);
    const metrics = [...readFileSync(join(ROOT, 'lib/metrics.ts'), 'utf8').matchAll(/'(plugboard_[a-z_]+)'/g)].map((m) => m[1]!);
    expect(metrics.length).toBeGreaterThan(4);
    expect(metrics.filter((name) => !operations.includes(name))).toEqual([]);
  });
});
