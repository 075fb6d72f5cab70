import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = resolve(__dirname, '../..');

/** Where a frame's code lives, short: our own files by path, a package by its name. */
function place(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1];
  if (path.startsWith(ROOT)) return relative(ROOT, path);
  return path || '(native)';
}

/**
 * The self time of a V8 CPU profile (node --cpu-prof), grouped twice: by package or file of
 * ours, and by function. Enough to see where a request's CPU goes without a profiler UI.
 */
export function summariseProfile(file: string, top = 15): string {
  if (!existsSync(file)) return `no CPU profile at ${file}`;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of selfTime) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    total += micros;
    const where = place(frame.url);
    byPlace.set(where, (byPlace.get(where) ?? 0) + micros);
    const fn = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const table = (title: string, rows: Map<string, number>) =>
    [
      title,
      ...[...rows]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, micros]) => `  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`),
    ].join('\n');
  return [
    `CPU profile of the app (${(total / 1e6).toFixed(1)} s busy): ${file}`,
    table('self time by package or file:', byPlace),
    table('self time by function:', byFunction),
  ].join('\n');
}
