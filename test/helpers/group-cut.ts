// A network partition between the processes of one group id and a set of loopback ports, for a store a TCP proxy
// cannot stand in front of: a Redis Cluster or Sentinel hands its clients the servers' own addresses, so the cut
// has to be in the kernel. `cut()` adds an nftables rule that answers every packet those processes send to the ports
// with a reset (open connections end, new ones are refused, as with `startTcpProxy().cut()`); `mend()` removes it.
// Needs root and nft; the tests that use it are skipped with `GROUP_CUT_MISSING` otherwise.
import { execFileSync, spawnSync } from 'node:child_process';

export const GROUP_CUT_MISSING =
  process.getuid?.() !== 0
    ? 'cutting one process off a port needs root (an nftables rule)'
    : spawnSync('nft', ['--version'], { stdio: 'ignore' }).status !== 0
      ? 'nft is not installed (Debian: apt-get install nftables)'
      : undefined;

export interface GroupCut extends AsyncDisposable {
  /** The group id to run the processes to be cut with (spawn's `gid`). */
  gid: number;
  cut(): void;
  mend(): void;
}

let made = 0;

/** A table of its own per cut (named by pid and count), so that suites on one machine never touch each other's. */
export function startGroupCut(ports: readonly number[]): GroupCut {
  if (GROUP_CUT_MISSING !== undefined) throw new Error(GROUP_CUT_MISSING);
  made += 1;
  const table = `switchyard_cut_${process.pid}_${made}`;
  const gid = 40_000 + ((process.pid * 8 + made) % 20_000);
  const nft = (...args: string[]): void => void execFileSync('nft', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  nft('add', 'table', 'inet', table);
  nft('add', 'chain', 'inet', table, 'out', '{ type filter hook output priority 0; }');
  let cut = false;
  const mend = (): void => {
    if (cut) nft('flush', 'chain', 'inet', table, 'out');
    cut = false;
  };
  return {
    gid,
    cut() {
      if (cut) return;
      const set = `{ ${ports.join(', ')} }`;
      nft(
        'add',
        'rule',
        'inet',
        table,
        'out',
        'meta',
        'skgid',
        String(gid),
        'tcp',
        'dport',
        set,
        'reject',
        'with',
        'tcp',
        'reset',
      );
      cut = true;
    },
    mend,
    [Symbol.asyncDispose]: async () => {
      nft('delete', 'table', 'inet', table);
    },
  };
}
