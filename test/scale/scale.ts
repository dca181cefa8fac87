// The scale suite (issue 54): three gateway replicas as separate hosts (network namespaces, test/helpers/netns.ts)
// behind HAProxy, sharing a Redis Cluster or a Sentinel deployment and a PostgreSQL ledger behind PgBouncer
// (transaction mode), each started here as an operator would start it. Under 32 requests at once through HAProxy, one
// replica's host is cut off the store and the others (its link set down), or the Sentinel fails over; then the
// figures: requests, budget overshoot per replica, ledger rows against answers and the simulator's bill, how long a
// key's 429 on one replica took to reach the others' choice, processes lost. Loads are bounded in count and time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { SPOOL_DIR } from '../../src/usage/open.ts';
import { ADMIN_KEY, simProvider } from '../gateway/harness.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { HAPROXY_MISSING, startHaproxy } from '../helpers/haproxy.ts';
import { NETNS_MISSING, startHosts, type Host } from '../helpers/netns.ts';
import { PGBOUNCER_MISSING, startPgBouncer } from '../helpers/pgbouncer.ts';
import { PRIVATE_POSTGRES_MISSING, startPrivatePostgres } from '../helpers/private-postgres.ts';
import { REDIS_CLUSTER_MISSING, startTestRedisCluster, startTestRedisSentinel } from '../helpers/redis.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { startTargetLoad, type Shot } from '../faults/load.ts';
import { stopProcess } from '../faults/world.ts';
import { clearOfUtcMidnight } from '../helpers/day-window.ts';

export const SCALE_MISSING =
  NETNS_MISSING ?? HAPROXY_MISSING ?? REDIS_CLUSTER_MISSING ?? PGBOUNCER_MISSING ?? PRIVATE_POSTGRES_MISSING;

export interface Scenario {
  name: string;
  store: 'cluster' | 'sentinel';
  /** Cut the last replica's host off for `faultMs`, or fail the Sentinel over. */
  fault: 'cut-host' | 'failover';
  faultMs: number;
  /** Load before the fault, and after it ends (ms). */
  beforeMs: number;
  afterMs: number;
  maxRequests: number;
}

export const REPLICAS = 3;
const PORT = 8080;
const MODEL = 'sim-large';
const PRICE = { input: 1_000, output: 3_000 };
/** The key that answers 429 after its first calls (for the cooldown's propagation), and the one after it. */
const COOLED_KEY = 'sk-sim-scale-cooled-0001';
const OTHER_KEY = 'sk-sim-scale-spare-0002';
/** Caps the load passes in its run, so each scenario ends refusing and the overshoot is measured. */
export const CAPS = { usd: 30, tokens: 20_000 };
/** How long the fault waits for every replica to skip the cooled key. */
const COOLDOWN_BOUND_MS = 10_000;

export const SCENARIOS: Scenario[] = [
  {
    name: 'redis cluster, one host cut off 5 s',
    store: 'cluster',
    fault: 'cut-host',
    faultMs: 5_000,
    beforeMs: 3_000,
    afterMs: 4_000,
    maxRequests: 20_000,
  },
  {
    name: 'sentinel, failover under load',
    store: 'sentinel',
    fault: 'failover',
    faultMs: 0,
    beforeMs: 3_000,
    afterMs: 4_000,
    maxRequests: 20_000,
  },
];

export interface ScaleRow {
  name: string;
  error?: string;
  sent: number;
  served: number;
  refused: number;
  /** No answer, or an error that is not a budget's refusal (HAProxy's own included). */
  failed: number;
  /** Answers a replica gave (not HAProxy's error pages). */
  answers: number;
  /** The failed requests by what they got: `none` (no answer), `proxy 503` (HAProxy's own page), or the status. */
  failedBy: Record<string, number>;
  overUsd: number;
  overTokens: number;
  /** What clients had received when the fault began: what remained of a cap was the replicas' to share. */
  atFault: { usd: number; tokens: number };
  /** The bound on `overUsd`: one request per replica; for a host cut off, also its share of what remained at the cut
   * and what was in flight then (32 requests at most), as in a partition (docs/budgets.md#when-the-store-is-down). */
  allowedUsd: number;
  perRequest: { usd: number; tokens: number };
  rows: number;
  /** Rows left in the replicas' spools once they stopped (not in the ledger: a next start would send them). */
  spooled: number;
  ledgerTokens: number;
  billedTokens: number;
  /** ms from the first 429 on the cooled key to the last replica reporting it unusable; null: not seen. */
  cooldownMs: number | null;
  lost: number;
}

function configYaml(simUrl: string, stateUrl: string, ledgerUrl: string): string {
  const priced = { models: { [MODEL]: { price: PRICE } } };
  return stringify({
    providers: { sim: simProvider(simUrl, 'openai', [COOLED_KEY, OTHER_KEY], priced) },
    main: { provider: 'sim', model: MODEL },
    auxiliary: { compression: { provider: 'none' }, title_generation: { provider: 'none' } },
    retry: { max_retries: 2, auth_retries: 1, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
    budgets: {
      'key-usd': { client_key: 'scale', usd: { day: CAPS.usd } },
      'task-tokens': { task: 'main', tokens: { day: CAPS.tokens } },
    },
    gateway: { state: stateUrl, require_keys: true, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    usage: { store: ledgerUrl },
  });
}

interface Credential {
  masked: string;
  usable: boolean;
}

/** Whether a replica no longer chooses the cooled key. */
async function skipsCooled(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/admin/credentials`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      signal: AbortSignal.timeout(1_000),
    });
    const { providers } = (await res.json()) as { providers: Record<string, Credential[]> };
    const cooled = providers['sim']?.find((c) => c.masked.endsWith(COOLED_KEY.slice(-4)));
    return cooled !== undefined && !cooled.usable;
  } catch {
    return false;
  }
}

/** When each replica first skips the cooled key, polled every 10 ms until all do or `stop` says. */
function watchCooldown(urls: string[]): {
  seen: (number | undefined)[];
  done(boundMs: number): Promise<void>;
  stop(): Promise<void>;
} {
  const seen: (number | undefined)[] = urls.map(() => undefined);
  let stopping = false;
  const loop = (async () => {
    while (!stopping && seen.some((s) => s === undefined)) {
      await Promise.all(
        urls.map(async (u, i) => {
          if (seen[i] === undefined && (await skipsCooled(u))) seen[i] = Date.now();
        }),
      );
      await sleep(10);
    }
  })();
  return {
    seen,
    done: (boundMs) => Promise.race([loop, sleep(boundMs)]),
    stop: async () => {
      stopping = true;
      await loop;
    },
  };
}

function failedBy(shots: Shot[]): Record<string, number> {
  const by: Record<string, number> = {};
  for (const s of shots.filter((x) => !x.served && !x.refused)) {
    const why = s.status === 0 ? 'none' : s.byProxy === true ? `proxy ${s.status}` : String(s.status);
    by[why] = (by[why] ?? 0) + 1;
  }
  return by;
}

function tally(shots: Shot[]): Pick<
  ScaleRow,
  'sent' | 'served' | 'refused' | 'failed' | 'answers' | 'perRequest' | 'failedBy'
> & {
  usd: number;
  tokens: number;
} {
  const served = shots.filter((s) => s.served);
  const refused = shots.filter((s) => s.refused).length;
  return {
    sent: shots.length,
    served: served.length,
    refused,
    failed: shots.length - served.length - refused,
    failedBy: failedBy(shots),
    answers: shots.filter((s) => s.status > 0 && s.byProxy !== true).length,
    usd: served.reduce((sum, s) => sum + s.usd, 0),
    tokens: served.reduce((sum, s) => sum + s.tokens, 0),
    perRequest: {
      usd: served.reduce((m, s) => Math.max(m, s.usd), 0),
      tokens: served.reduce((m, s) => Math.max(m, s.tokens), 0),
    },
  };
}

/** Every part started in order, stopped last to first whatever fails. */
export async function runScenario(spec: Scenario, say: (line: string) => void = () => {}): Promise<ScaleRow> {
  await clearOfUtcMidnight((line) => say(`${spec.name}: ${line}`));
  const undo: (() => Promise<unknown> | unknown)[] = [];
  try {
    return await play(spec, undo, say);
  } catch (err) {
    return { ...emptyRow(spec.name), error: err instanceof Error ? err.message : String(err) };
  } finally {
    for (const u of undo.reverse()) await Promise.resolve(u()).catch(() => undefined);
  }
}

function emptyRow(name: string): ScaleRow {
  return {
    name,
    sent: 0,
    served: 0,
    refused: 0,
    failed: 0,
    failedBy: {},
    answers: 0,
    overUsd: 0,
    overTokens: 0,
    atFault: { usd: 0, tokens: 0 },
    allowedUsd: 0,
    perRequest: { usd: 0, tokens: 0 },
    rows: 0,
    spooled: 0,
    ledgerTokens: 0,
    billedTokens: 0,
    cooldownMs: null,
    lost: 0,
  };
}

async function play(
  spec: Scenario,
  undo: (() => Promise<unknown> | unknown)[],
  say: (line: string) => void,
): Promise<ScaleRow> {
  const ws = tempWorkspace('switchyard-scale-');
  undo.push(() => ws.cleanup());
  const net = startHosts(REPLICAS);
  undo.push(() => net[Symbol.asyncDispose]());
  const host = net.storeAddress;
  const pg = await startPrivatePostgres();
  undo.push(() => pg[Symbol.asyncDispose]());
  const pgb = await startPgBouncer(await pg.createDatabase('scale_ledger'), { host });
  undo.push(() => pgb[Symbol.asyncDispose]());
  const cluster = spec.store === 'cluster' ? await startTestRedisCluster({ host }) : undefined;
  if (cluster) undo.push(() => cluster.stop());
  const sentinel = spec.store === 'sentinel' ? await startTestRedisSentinel({ host }) : undefined;
  if (sentinel) undo.push(() => sentinel.stop());
  const stateUrl = (cluster ?? sentinel)!.url;
  const sim = await startSimulator({
    host,
    scenario: {
      models: { [MODEL]: { latency: '10ms' } },
      keys: { [COOLED_KEY]: { rate_limit_after: 100, reset: '60s' }, [OTHER_KEY]: {} },
    },
  });
  undo.push(() => sim.close());
  const configPath = ws.write('switchyard.yaml', configYaml(sim.url, stateUrl, pgb.url));
  const env = (home: string): Record<string, string> => ({ SWITCHYARD_HOME: home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY });
  const created = await runCliInProcess(
    ['--config', configPath, 'gateway', 'keys', 'create', '--name', 'scale', '--json'],
    { env: env(join(ws.dir, 'home-keys')), cwd: ws.dir },
  );
  if (created.code !== 0) throw new Error(`gateway keys create failed: ${created.stderr}`);
  const clientKey = (JSON.parse(created.stdout) as { key: string }).key;

  const ended = new Set<GatewayProcess>();
  const procs: GatewayProcess[] = [];
  const after = (fn: () => unknown): void => void undo.push(fn);
  for (const [i, h] of net.hosts.entries()) {
    const proc = await spawnGateway({ after }, ['--config', configPath], env(join(ws.dir, `home-${i}`)), ws.dir, {
      killAfterMs: 180_000,
      listen: `${h.address}:${PORT}`,
      wrap: h.wrap,
    });
    undo.push(() => stopProcess(proc));
    procs.push(proc);
  }
  const haproxy = await startHaproxy(net.hosts.map((h) => `${h.address}:${PORT}`));
  undo.push(() => haproxy[Symbol.asyncDispose]());
  say(`${spec.name}: 3 replicas on ${net.hosts.map((h) => h.address).join(', ')} behind ${haproxy.url}`);

  let faultAt = Infinity;
  const cooldown = watchCooldown(procs.map((p) => p.url));
  undo.push(() => cooldown.stop());
  const load = startTargetLoad([{ index: 0, url: haproxy.url, live: () => true }], clientKey, {
    concurrency: 32,
    maxRequests: spec.maxRequests,
  });
  try {
    await sleep(spec.beforeMs);
    // The cooldown is measured before the fault: a host cut off cannot hear of it until it is back.
    await cooldown.done(COOLDOWN_BOUND_MS);
    say(`${spec.name}: ${spec.fault} after ${load.shots.length} requests`);
    faultAt = Date.now();
    await playFault(spec, net.hosts[REPLICAS - 1]!, sentinel?.failover);
    await sleep(spec.afterMs);
  } finally {
    await load.stop();
  }
  await cooldown.stop();
  const shots = load.shots;
  say(`${spec.name}: load stopped after ${shots.length} requests`);
  const lost = procs.filter((p) => p.child.exitCode !== null || p.child.signalCode !== null).length;
  for (const p of procs) {
    ended.add(p);
    await stopProcess(p);
  }
  const spooled = net.hosts.reduce((n, _, i) => n + spoolRows(join(ws.dir, `home-${i}`, SPOOL_DIR)), 0);
  const billed = sim.billed();
  const ledger = await usageTotal(configPath, join(ws.dir, 'home-keys'), ws.dir);
  const first429 = sim.log().find((c) => c.key === COOLED_KEY && c.outcome === 'rate_limited')?.at;
  const seen = cooldown.seen;
  const t = tally(shots);
  const before = shots.filter((s) => s.served && s.end < faultAt);
  const atFaultUsd = before.reduce((n, s) => n + s.usd, 0);
  return {
    name: spec.name,
    ...t,
    overUsd: t.usd - CAPS.usd,
    overTokens: t.tokens - CAPS.tokens,
    atFault: { usd: atFaultUsd, tokens: before.reduce((n, s) => n + s.tokens, 0) },
    allowedUsd:
      REPLICAS * t.perRequest.usd +
      (spec.fault === 'cut-host' ? Math.max(0, CAPS.usd - atFaultUsd) / REPLICAS + 32 * t.perRequest.usd : 0),
    rows: ledger.rows,
    spooled,
    ledgerTokens: ledger.tokens,
    billedTokens: billed.input_tokens + billed.output_tokens,
    cooldownMs:
      first429 === undefined || seen.some((s) => s === undefined) ? null : Math.max(...(seen as number[])) - first429,
    lost,
  };
}

/** The scenario's fault, played and ended (the cut host mended) before it resolves. */
async function playFault(spec: Scenario, victim: Host, failover?: () => Promise<void>): Promise<void> {
  if (spec.fault === 'failover') return failover?.();
  victim.cut();
  await sleep(spec.faultMs);
  victim.mend();
}

/** Rows a stopped replica left in its spool directory: one JSON line each. */
function spoolRows(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .reduce((n, f) => n + readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).length, 0);
}

async function usageTotal(configPath: string, home: string, cwd: string): Promise<{ rows: number; tokens: number }> {
  const out = await runCliInProcess(['--config', configPath, 'usage', '--since', '1d', '--json'], {
    env: { SWITCHYARD_HOME: home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
    cwd,
    timeoutMs: 60_000,
  });
  if (out.code !== 0) throw new Error(`switchyard usage failed: ${out.stderr.trim()}`);
  const { total } = JSON.parse(out.stdout) as {
    total: { requests: number; input_tokens: number; output_tokens: number };
  };
  return { rows: total.requests, tokens: total.input_tokens + total.output_tokens };
}

/** The printed table: a row per scenario. */
export function renderScaleTable(rows: ScaleRow[]): string {
  const heads = [
    'scenario',
    'requests',
    'served',
    'refused',
    'failed',
    'over cap $ (req/replica; allowed $)',
    'over cap tok (req/replica)',
    'rows/answers',
    'ledger/billed tok',
    'cooldown ms',
    'procs lost',
  ];
  const perReplica = (over: number, per: number): string =>
    `${over > 0 ? '+' : ''}${over.toFixed(per < 1 ? 2 : 0)} (${per > 0 ? Math.max(0, over / per / REPLICAS).toFixed(2) : '-'})`;
  const cells = rows.map((r) =>
    r.error !== undefined
      ? [r.name, `did not run: ${r.error}`, '', '', '', '', '', '', '', '', '']
      : [
          r.name,
          String(r.sent),
          String(r.served),
          String(r.refused),
          `${r.failed}${
            r.failed === 0
              ? ''
              : ` (${Object.entries(r.failedBy)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join(', ')})`
          }`,
          `${perReplica(r.overUsd, r.perRequest.usd).slice(0, -1)}; ${r.allowedUsd.toFixed(2)})`,
          perReplica(r.overTokens, r.perRequest.tokens),
          `${r.rows}/${r.answers}${r.spooled > 0 ? ` (${r.spooled} left in spools)` : ''}`,
          `${r.ledgerTokens}/${r.billedTokens}`,
          r.cooldownMs === null ? 'never' : String(r.cooldownMs),
          String(r.lost),
        ],
  );
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(heads), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line), ''].join('\n');
}
