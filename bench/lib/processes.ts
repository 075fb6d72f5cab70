import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Every process the runner starts, each the leader of its own process group (`detached`), so
 * that stopping it also stops whatever it started (npm's node, tsc). Whatever happens (normal
 * end, error, Ctrl-C, SIGTERM), `stopAll` or the exit hook ends every group still alive.
 */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  log: string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  exitedWith: number | string | null;
}

const children = new Set<Child>();
/** Set once the runner is stopping: nothing new is started after that. */
let stopping = false;

export function start(
  name: string,
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; log: string; cwd?: string },
): Child {
  if (stopping) throw new Error(`not starting ${name}: the benchmark is stopping`);
  const fd = openSync(options.log, 'a');
  const proc = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const child: Child = {
    name,
    pid: proc.pid,
    process: proc,
    log: options.log,
    exitedWith: null,
    exited: new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        child.exitedWith = code ?? signal ?? 'unknown';
        children.delete(child);
        resolve(child.exitedWith);
      });
      proc.once('error', (error) => {
        child.exitedWith = error.message;
        children.delete(child);
        resolve(error.message);
      });
    }),
  };
  children.add(child);
  return child;
}

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** SIGTERM to the child's group, SIGKILL after `graceMs`; resolves once the leader has exited. */
export async function stop(child: Child, graceMs = 10_000): Promise<void> {
  if (child.exitedWith === null) {
    signalGroup(child, 'SIGTERM');
    const timer = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), graceMs),
    );
    if ((await Promise.race([child.exited, timer])) === 'timeout') {
      signalGroup(child, 'SIGKILL');
      await child.exited;
    }
  }
  // Stragglers of the group (a grandchild that outlived its parent).
  signalGroup(child, 'SIGKILL');
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child)));
}

/** Runs a command to its end; rejects with the tail of its output if it fails. */
export async function runToEnd(
  name: string,
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; log: string; cwd?: string },
): Promise<void> {
  const child = start(name, command, args, options);
  const code = await child.exited;
  if (code !== 0) throw new Error(`${name} failed (${code}):\n${tail(options.log)}`);
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

let hooked = false;

/**
 * Stops every child on any way out of the runner. `extra` runs first on a signal (e.g. to
 * drop the run's database copy); the exit hook itself can only send signals (it is synchronous).
 */
export function stopChildrenOnExit(
  extra: () => Promise<void>,
  first: () => void = () => undefined,
): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const child of children) signalGroup(child, 'SIGKILL');
  });
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every process the benchmark started`);
      stopping = true;
      first();
      void stopAll()
        .then(extra)
        .catch(() => undefined)
        .finally(() => {
          console.error('every process the benchmark started is stopped');
          process.exit(code);
        });
    });
  };
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
  onSignal('SIGHUP', 129);
}

/** The resident set size of a process, in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200; fails early if `child` exits, or after `timeoutMs`. */
export async function waitForReady(url: string, child: Child, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (child.exitedWith !== null) {
      throw new Error(
        `${child.name} exited (${child.exitedWith}) before ${url} answered:\n${tail(child.log)}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return Math.round(performance.now() - started);
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(
        `${url} did not answer 200 within ${timeoutMs / 1000} s:\n${tail(child.log)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let ticksPerSecond: number | null = null;

/** CPU time (user + system, all threads) a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number | null {
  try {
    ticksPerSecond ??=
      Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}
