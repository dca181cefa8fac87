// Separate hosts on one machine, for the scale suite (test/scale/): each a network namespace of its own (`ip netns`)
// joined to this machine by a veth pair, with private addresses that exist only inside the namespaces this helper
// makes, and the stores' address on an interface of its own here. A host can be cut off (its link set down: it reaches
// neither the stores nor the other hosts, and the load balancer cannot reach it) and mended. Needs root and `ip`;
// the suite is skipped with `NETNS_MISSING` otherwise. Nothing is sent to any address outside this machine.
import { execFileSync, spawnSync } from 'node:child_process';

export const NETNS_MISSING =
  process.getuid?.() !== 0
    ? 'network namespaces need root (ip netns add)'
    : spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0
      ? 'ip is not installed (Debian: apt-get install iproute2)'
      : undefined;

export interface Host {
  name: string;
  /** Its address, inside its namespace. */
  address: string;
  /** `ip netns exec NAME`: what a command run on this host is wrapped in. */
  wrap: string[];
  cut(): void;
  mend(): void;
}

export interface Hosts extends AsyncDisposable {
  /** This machine's address (an interface of its own) every host reaches the stores by. */
  storeAddress: string;
  hosts: Host[];
}

const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A 10.B.0.0/16 (B in 200–249) no address here is in: two runs side by side (three suites at once) each get their
 * own, where one fixed block had them route each other's hosts. */
function freeBlock(): number {
  const used = execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' });
  for (let k = 0; k < 50; k++) {
    const block = 200 + ((process.pid + k) % 50);
    if (!used.includes(` 10.${block}.`)) return block;
  }
  throw new Error('no free 10.200–249.0.0/16 block for the test hosts');
}

/** In a free 10.B.0.0/16: host i is 10.B.(i+1).2 (this machine's end 10.B.(i+1).1), the stores 10.B.250.1. */
export function startHosts(count: number): Hosts {
  if (NETNS_MISSING !== undefined) throw new Error(NETNS_MISSING);
  const tag = String(process.pid % 100_000);
  const dummy = `sys${tag}`;
  const block = freeBlock();
  const storeAddress = `10.${block}.250.1`;
  const made: (() => void)[] = [];
  const close = async (): Promise<void> => {
    for (const undo of made.reverse()) {
      try {
        undo();
      } catch {
        // Already gone: a namespace's deletion takes its veth end with it.
      }
    }
  };
  try {
    // A veth pair with both ends here (a dummy interface needs a module these machines may lack).
    ip('link', 'add', dummy, 'type', 'veth', 'peer', 'name', `${dummy}p`);
    made.push(() => ip('link', 'del', dummy));
    ip('addr', 'add', `${storeAddress}/32`, 'dev', dummy);
    ip('link', 'set', dummy, 'up');
    ip('link', 'set', `${dummy}p`, 'up');
    const hosts: Host[] = [];
    for (let i = 0; i < count; i++) hosts.push(startHost(tag, block, i, made));
    return { storeAddress, hosts, [Symbol.asyncDispose]: close };
  } catch (err) {
    void close();
    throw err;
  }
}

function startHost(tag: string, block: number, i: number, made: (() => void)[]): Host {
  const name = `switchyard-${tag}-h${i}`;
  const outside = `syh${tag}-${i}`;
  const here = `10.${block}.${i + 1}.1`;
  const address = `10.${block}.${i + 1}.2`;
  ip('netns', 'add', name);
  made.push(() => ip('netns', 'del', name));
  ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name);
  ip('addr', 'add', `${here}/24`, 'dev', outside);
  ip('link', 'set', outside, 'up');
  const inside = (...args: string[]): void => ip('-n', name, ...args);
  inside('link', 'set', 'lo', 'up');
  inside('addr', 'add', `${address}/24`, 'dev', 'eth0');
  const up = (): void => {
    inside('link', 'set', 'eth0', 'up');
    // A link set down loses its routes: the default one goes back with it.
    inside('route', 'replace', 'default', 'via', here);
  };
  up();
  return {
    name,
    address,
    wrap: ['ip', 'netns', 'exec', name],
    cut: () => inside('link', 'set', 'eth0', 'down'),
    mend: up,
  };
}
