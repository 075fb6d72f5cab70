/**
 * Verifies the audit log from the outside, with nothing but the log's verifier key: what a
 * partner agency or an auditor runs. The key is pinned by the verifier (--key), never taken
 * from the server being checked.
 *
 *   AUDIT_TOKEN=... npx ts-node --transpile-only scripts/verify-audit-log.ts \
 *     --url http://localhost:3000 --key audit-log.vkey \
 *     [--entry <audit entry id>] [--previous last.checkpoint] [--save last.checkpoint]
 *
 * Prints one `ok ...` or `FAIL ...` line per check; exits 0 only if every check passed.
 * Keeping the checkpoint with --save and passing it as --previous next time proves the log
 * only grew in between: nothing removed or rewritten.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type CheckResult,
  consistencyProofNeeded,
  loadPinnedKey,
  openPreviousCheckpoint,
  verifyConsistencyWithPrevious,
  verifyEntryInclusion,
  verifyServedCheckpoint,
} from '../src/audit/log/outside-verification';

const USAGE =
  'usage: verify-audit-log --url <API base URL> --key <verifier key file>' +
  ' [--token <bearer token>, or AUDIT_TOKEN in the environment: safer, not shown by ps]' +
  ' [--entry <audit entry id>] [--previous <checkpoint file>] [--save <checkpoint file>]';

const results: CheckResult[] = [];

function report(step: CheckResult[]): void {
  for (const { ok, message } of step) process.stdout.write(`${ok ? 'ok' : 'FAIL'} ${message}\n`);
  results.push(...step);
}

/** The JSON body, or undefined once a FAIL line says why there is none. */
async function getJson(url: string, token: string): Promise<unknown> {
  try {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (!response.ok) {
      report([{ ok: false, message: `GET ${url}: HTTP ${response.status}` }]);
      return undefined;
    }
    return await response.json();
  } catch (error) {
    report([{ ok: false, message: `GET ${url}: ${String(error)}` }]);
    return undefined;
  }
}

async function main(): Promise<boolean> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      key: { type: 'string' },
      entry: { type: 'string' },
      previous: { type: 'string' },
      save: { type: 'string' },
    },
  });
  const { url, key, entry, previous, save } = values;
  const token = values.token ?? process.env.AUDIT_TOKEN;
  if (!url || !token || !key) {
    process.stderr.write(`${USAGE}\n`);
    return false;
  }
  const api = `${url.replace(/\/+$/, '')}/api/v1/audit-events`;

  const pinned = loadPinnedKey(readFileSync(key, 'utf8'));
  report(pinned.results);
  if (!pinned.verified) return false;

  const served = await getJson(`${api}/checkpoint`, token);
  if (served === undefined) return false;
  const current = verifyServedCheckpoint(served, pinned.verified);
  report(current.results);
  if (!current.verified) return false;
  const checkpoint = current.verified;

  if (entry !== undefined) {
    const inclusionUrl = `${api}/${encodeURIComponent(entry)}/inclusion?treeSize=${checkpoint.treeSize}`;
    const body = await getJson(inclusionUrl, token);
    if (body !== undefined) report(verifyEntryInclusion(body, entry, checkpoint));
  }

  if (previous !== undefined) {
    const opened = openPreviousCheckpoint(
      readFileSync(previous, 'utf8'),
      pinned.verified,
      checkpoint,
    );
    report(opened.results);
    const older = opened.verified;
    if (older && !consistencyProofNeeded(older, checkpoint)) {
      report(verifyConsistencyWithPrevious(older, checkpoint, undefined));
    } else if (older) {
      const consistencyUrl = `${api}/consistency?from=${older.treeSize}&to=${checkpoint.treeSize}`;
      const body = await getJson(consistencyUrl, token);
      if (body !== undefined) report(verifyConsistencyWithPrevious(older, checkpoint, body));
    }
  }

  const passed = results.every((result) => result.ok);
  // Only a fully verified checkpoint replaces the saved one: after a failed consistency check
  // the old file is the evidence, and --save often names the same file as --previous.
  if (save !== undefined && passed) {
    writeFileSync(save, checkpoint.note);
    report([{ ok: true, message: `saved the signed checkpoint of size ${checkpoint.treeSize}` }]);
  }
  return passed;
}

main().then(
  (passed) => process.exit(passed ? 0 : 1),
  (error: unknown) => {
    process.stderr.write(`FAIL ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
