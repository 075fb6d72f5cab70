/**
 * The documentation stands alone: whoever clones the repository can follow every link in it.
 * No README or docs page may point outside the repository (`../shared/...`, which only the
 * project's own workspace has), link to a relative path that does not exist, name a
 * repository file in `code` that does not exist, or link to a heading that is not there.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/** Paths the running app serves (docs may link to them as absolute paths). */
const APP_ROUTES = new Set(['/docs', '/openapi.json', '/health/live', '/health/ready']);

/** Top-level folders whose files docs name in `code`, e.g. `src/sealing/copy-holders.ts`. */
const CODE_PATH = /^(?:\.\/)?(?:src|test|docs|scripts|migrations|examples|\.ci)\/[^\s*?<>{}]*$/;

/** The pages checked: README.md, docs/*.md, and the README of every example. */
function documentationFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  const examples = existsSync(join(ROOT, 'examples'))
    ? readdirSync(join(ROOT, 'examples'))
        .map((name) => join('examples', name, 'README.md'))
        .filter((file) => existsSync(join(ROOT, file)))
    : [];
  return ['README.md', ...docs, ...examples];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of withoutFencedCode(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    anchors.add(slug(match[1]));
  }
  return anchors;
}

function withoutFencedCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1\s*$/gm, '');
}

interface Finding {
  file: string;
  line: number;
  problem: string;
}

/**
 * Every problem with the links and path references of one markdown text, which lives at
 * `file` (repository-relative). The tests below check the checker too.
 */
function checkMarkdown(file: string, markdown: string, exists = pathExists): Finding[] {
  const findings: Finding[] = [];
  const lineOf = (index: number) => markdown.slice(0, index).split('\n').length;
  const report = (index: number, problem: string) =>
    findings.push({ file, line: lineOf(index), problem });

  // 1. Nothing outside the repository, whether linked, named in code, or in a code block.
  for (const match of markdown.matchAll(/\.\.\/shared\b/g)) {
    report(match.index, 'refers to ../shared, which is not in the repository');
  }

  // Code blocks hold commands and sample output, not references; positions stay the same.
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1\s*$/gm, (block) =>
    block.replace(/[^\n]/g, ' '),
  );
  const base = dirname(file);

  // 2. Links: [text](target "title") and reference definitions [id]: target.
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => ({
      target: m[1],
      index: m.index,
    })),
    ...[...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => ({
      target: m[1],
      index: m.index,
    })),
  ];
  for (const { target, index } of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto: ...
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = decodeURIComponent(pathPart.split('?')[0]);
    if (path.startsWith('/')) {
      if (!APP_ROUTES.has(path))
        report(index, `absolute link ${target} is not a route the app serves`);
      continue;
    }
    const resolved = path === '' ? file : join(base, path);
    if (relative(ROOT, resolve(ROOT, resolved)).startsWith('..')) {
      report(index, `link ${target} leaves the repository`);
      continue;
    }
    if (!exists(resolved)) {
      report(index, `link ${target} points to ${resolved}, which does not exist`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !anchorsIn(resolved).has(anchor)) {
      report(index, `link ${target}: ${resolved} has no heading #${anchor}`);
    }
  }

  // 3. Repository paths named in inline code, e.g. `src/sealing/copy-holders.ts`: relative to
  //    the repository root (as the docs write them) or to the page itself.
  for (const match of prose.matchAll(/`([^`\n]+)`/g)) {
    const path = match[1].trim();
    if (!CODE_PATH.test(path)) continue;
    if (!exists(path) && !exists(join(base, path))) {
      report(match.index, `\`${path}\` names a path that does not exist in the repository`);
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}

function pathExists(repositoryPath: string): boolean {
  const absolute = resolve(ROOT, repositoryPath);
  if (!existsSync(absolute)) return false;
  return !repositoryPath.endsWith('/') || statSync(absolute).isDirectory();
}

const anchorCache = new Map<string, Set<string>>();
function anchorsIn(repositoryPath: string): Set<string> {
  let anchors = anchorCache.get(repositoryPath);
  if (!anchors) {
    anchors = anchorsOf(readFileSync(resolve(ROOT, repositoryPath), 'utf8'));
    anchorCache.set(repositoryPath, anchors);
  }
  return anchors;
}

describe('documentation links', () => {
  it('README.md, docs/*.md and the examples link only to what is in the repository', () => {
    const files = documentationFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/domain.md']));
    const findings = files.flatMap((file) =>
      checkMarkdown(file, readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.problem}`)).toEqual([]);
  });

  it('link to the domain, the OpenAPI document and the partner example from the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('](docs/domain.md)');
    expect(readme).toContain('](docs/integration.md)');
    expect(readme).toContain('docs/openapi.json');
  });

  describe('the checker', () => {
    const none = () => false;
    const only =
      (...paths: string[]) =>
      (path: string) =>
        paths.includes(path);

    it('reports ../shared wherever it appears, even in a code block', () => {
      const text = 'See [the spec](../shared/spec/API.md).\n\n```sh\n../shared/tools/check\n```\n';
      expect(checkMarkdown('docs/x.md', text, none).map((f) => f.line)).toEqual([1, 1, 4]);
    });

    it('reports relative links and code paths that do not exist, resolved from the page', () => {
      const text = [
        '[ok](integration.md) [missing](missing.md) [up](../README.md)',
        '`src/app.module.ts` and `src/gone.ts`, but not `npm test` or `src/**/*.ts`',
      ].join('\n');
      const found = checkMarkdown(
        'docs/x.md',
        text,
        only('docs/integration.md', 'README.md', 'src/app.module.ts'),
      );
      expect(found.map((f) => [f.line, f.problem])).toEqual([
        [1, 'link missing.md points to docs/missing.md, which does not exist'],
        [2, '`src/gone.ts` names a path that does not exist in the repository'],
      ]);
    });

    it('accepts web links and app routes, refuses other absolute paths and escapes', () => {
      const text =
        '[a](https://example.org/x) [b](/docs) [c](/openapi.json) [d](/etc/passwd) [e](../../outside.md)';
      expect(checkMarkdown('docs/x.md', text, () => true).map((f) => f.problem)).toEqual([
        'absolute link /etc/passwd is not a route the app serves',
        'link ../../outside.md leaves the repository',
      ]);
    });

    it('makes GitHub heading anchors', () => {
      expect(slug('Sealing, precisely')).toBe('sealing-precisely');
      expect(slug('Audit trail')).toBe('audit-trail');
      expect(slug('3. Page the event feed')).toBe('3-page-the-event-feed');
    });
  });
});
