// What `npm run test:clients` drives the clients against: a gateway in front of the simulator that answers (an
// OpenAI-compatible main route, an Anthropic fallback), one where every route fails (each route's key rejected
// upstream: 502 `upstream_auth_failed`), one where every key is rate-limited briefly (503 `all_keys_cooling` with a
// Retry-After of a few seconds) and one where it is for a minute (the same 503, with `x-should-retry: false`), and
// the recording proxy every client talks to, pointed at one of them. `badkey` is the answering gateway given a
// client key it never issued; `failover` one whose main routes a case makes fail mid-conversation (World.fault).
import { startHarness, simProvider, type Harness } from '../../gateway/harness.ts';
import { startRecorder, type Exchange, type Recorder } from '../record.ts';
import { startMcpSim, type McpSim } from '../../../src/sim/fronts/mcp/http.ts';
import type { GatewayKeyMcp } from '../../../src/state/types.ts';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SWITCHYARD_BIN = join(import.meta.dirname, '../../../bin/switchyard.js');

/** How long the cooling world's keys stay rate-limited: the Retry-After its 503s carry. */
export const COOLING_SECONDS = 5;
/** The long cooldown's Retry-After: past gateway.client_retry_max_wait (10s), as a real rate limit's minute is. */
export const LONG_COOLING_SECONDS = 60;

/** The client key the `badkey` cases present: one the gateway never issued. */
export const WRONG_KEY = 'sy-not-a-key-this-gateway-issued-0000';

export type WorldName = 'ok' | 'failing' | 'cooling' | 'long' | 'badkey' | 'failover';

type Gateway = Exclude<WorldName, 'badkey' | 'failover'>;

/** The failover world's main routes' fault: none, failing from now on (`on`, switched between two runs of a client),
 * or failing after the next call (`after-first`: the first turn is answered, every later one fails over, within one
 * run of a client). */
export type Fault = 'off' | 'on' | 'after-first';

/** The failover world's main routes (Codex's main task, an OpenAI route; Claude Code's `claude`, an Anthropic one)
 * and their fallbacks: each answers with its own model, so an answer says which route gave it. */
const FAILOVER_KEYS = {
  main: 'sk-clients-failover-main-01',
  claude: 'sk-clients-failover-claude1',
  spare: 'sk-clients-failover-spare-1',
  claudeSpare: 'sk-clients-failover-spare-2',
} as const;
export const MAIN_MODEL = 'sim-large';
export const FALLBACK_MODEL = 'sim-small';

/** How many calls `after-first` fails after the first: more than a client's run makes. */
const FAILING_CALLS = 60;

export interface World {
  recorder: Recorder;
  /** Each gateway's own URL and client key, for trying a client by hand (`npm run test:clients -- --serve`). */
  gateways: Record<WorldName, { url: string; key: string }>;
  /** Points the recorder at that gateway and returns the client key it takes (the failover world's routes healthy). */
  use(name: WorldName): string;
  /** Switches the failover world's main routes' fault. */
  fault(fault: Fault): void;
  /** The answering gateway's /mcp and its MCP servers, for the MCP cases. */
  mcp: McpControl;
  close(): Promise<void>;
}

/** What an MCP case does to the answering gateway: its client key's allow-list, and a fault once the client has
 * listed the tools (its session open, the call not yet made) — the list narrowed, the remote server's token expired,
 * the stdio server killed. */
export interface McpControl {
  /** Sets (or, undefined, removes) the answering gateway's client key's MCP allow-list. */
  allow(list: GatewayKeyMcp | undefined): void;
  /** Runs `fault` once, as soon as the next `tools/list` of /mcp has been answered. */
  afterList(fault: (m: McpControl) => void): void;
  /** The remote server's (`remote`) current token is answered 401 from now on: the gateway must mint another. */
  expireToken(): void;
  /** Tokens the remote server's token endpoint issued so far. */
  tokensIssued(): number;
  /** Kills the stdio server's (`files`) process, as a crash would end it (every gateway's here: they run the same
   * command, and each restarts its own). */
  crashStdio(): void;
  /** `switchyard usage --by tool` of the answering gateway, once its output matches `ready` (or after 10 s). */
  usageByTool(ready: RegExp): Promise<string>;
}

/** The OAuth2 client the gateway's `remote` MCP server is configured with (client credentials). */
const MCP_CLIENT = { clientId: 'clients-gateway', clientSecret: 'clients-mcp-secret-0001' };

/** Every key's behaviour in each world: answering, rejected, or rate-limited at every call. */
const KEY_BEHAVIOUR: Record<Gateway, Record<string, unknown>> = {
  ok: {},
  failing: { valid: false },
  cooling: { script: ['429'], loop_script: true, reset: `${COOLING_SECONDS}s`, reset_headers: ['retry-after'] },
  long: { script: ['429'], loop_script: true, reset: `${LONG_COOLING_SECONDS}s`, reset_headers: ['retry-after'] },
};

function gateway(world: Gateway, remote: McpSim): Promise<Harness> {
  const key = KEY_BEHAVIOUR[world];
  return startHarness({
    scenario: { keys: { 'sk-clients-openai-00001': key, 'sk-clients-anthropic-0001': key } },
    config: (sim) => ({
      providers: {
        sim: simProvider(sim, 'openai', 'sk-clients-openai-00001', { timeout: '60s' }),
        simant: simProvider(sim, 'anthropic', 'sk-clients-anthropic-0001', { timeout: '60s' }),
      },
      main: { provider: 'sim', model: 'sim-large' },
      fallback: [{ provider: 'simant', model: 'sim-large' }],
      // The defaults, but quick: a failing world should fail the way users see it, not slowly.
      retry: { max_retries: 2, auth_retries: 2, base_delay: '10ms', max_delay: '50ms', max_wait: '100ms' },
      // `anthropic`: the same answers from an Anthropic route only, for structured output on that route shape.
      auxiliary: { anthropic: { provider: 'simant', model: 'sim-large', fallback_to_main: false } },
      // The model names the agents ask for with their default settings (Claude Code's claude-opus-5-5, Codex's
      // gpt-6.1-sol), one glob per client family as docs/clients.md recommends: a mistyped name is a 404.
      gateway: { aliases: { 'claude-*': 'main', 'gpt-*': 'main' } },
      // The MCP server behind /mcp (docs/mcp.md): the simulator's, run by the gateway over stdio.
      // `remote`: the simulator's over HTTP, its tokens minted by the gateway (OAuth2 client credentials).
      mcp: {
        servers: {
          files: { command: [process.execPath, SWITCHYARD_BIN, 'sim', 'mcp', '--stdio'] },
          remote: {
            url: remote.url,
            oauth2: {
              token_url: remote.tokenUrl,
              client_id: MCP_CLIENT.clientId,
              client_secret: MCP_CLIENT.clientSecret,
            },
          },
        },
      },
    }),
  });
}

/** A gateway whose main routes can be made to fail mid-conversation (`World.fault`): Codex's main task on an OpenAI
 * route falling back to another, Claude Code's (`claude-*`) on an Anthropic route falling back to another. (A Codex
 * turn falling back to an Anthropic route is replayed by test/clients/replay.test.ts; live, the simulator on an
 * Anthropic route reads Codex's compacted history as asking for its tool again, and Codex compacts for ever.) */
function failoverGateway(): Promise<Harness> {
  return startHarness({
    scenario: failoverScenario('off'),
    config: (sim) => ({
      providers: {
        simmain: simProvider(sim, 'openai', FAILOVER_KEYS.main, { timeout: '60s' }),
        simclaude: simProvider(sim, 'anthropic', FAILOVER_KEYS.claude, { timeout: '60s' }),
        simspare: simProvider(sim, 'openai', FAILOVER_KEYS.spare, { timeout: '60s' }),
        simclaudespare: simProvider(sim, 'anthropic', FAILOVER_KEYS.claudeSpare, { timeout: '60s' }),
      },
      main: { provider: 'simmain', model: MAIN_MODEL },
      fallback: [{ provider: 'simspare', model: FALLBACK_MODEL }],
      retry: { max_retries: 1, auth_retries: 1, base_delay: '10ms', max_delay: '50ms', max_wait: '100ms' },
      auxiliary: {
        claude: {
          provider: 'simclaude',
          model: MAIN_MODEL,
          fallback_chain: [{ provider: 'simclaudespare', model: FALLBACK_MODEL }],
          fallback_to_main: false,
        },
      },
      gateway: { aliases: { 'claude-*': 'claude', 'gpt-*': 'main' } },
    }),
  });
}

function failoverScenario(fault: Fault): { keys: Record<string, Record<string, unknown>> } {
  const failing =
    fault === 'off'
      ? {}
      : { script: [...(fault === 'after-first' ? ['ok'] : []), ...Array(FAILING_CALLS).fill('500')] };
  return {
    keys: {
      [FAILOVER_KEYS.main]: failing,
      [FAILOVER_KEYS.claude]: failing,
      [FAILOVER_KEYS.spare]: {},
      [FAILOVER_KEYS.claudeSpare]: {},
    },
  };
}

export async function startWorld(): Promise<World> {
  const remote = await startMcpSim({ tokens: [], oauth2: MCP_CLIENT });
  const ok = await gateway('ok', remote);
  const failover = await failoverGateway();
  const failing = await gateway('failing', remote);
  const cooling = await gateway('cooling', remote);
  const long = await gateway('long', remote);
  // Its keys are refused once before any client comes, so every error case meets the same gateway: each key known
  // to be rejected, every request a 502 `upstream_auth_failed` with `x-should-retry: false` at once.
  await fetch(`${failing.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${failing.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  let afterList: (() => void) | undefined;
  const recorder = await startRecorder({
    target: ok.url,
    onExchange: (e) => {
      if (afterList === undefined || !isToolsList(e)) return;
      const fault = afterList;
      afterList = undefined;
      fault();
    },
  });
  const mcp: McpControl = {
    allow: (list) => {
      const id = ok.store.listGatewayKeys().find((k) => k.name === 'test-client')?.id ?? '';
      ok.store.setGatewayKeyMcp(id, list, Date.now());
    },
    afterList: (fault) => (afterList = () => fault(mcp)),
    expireToken: () => {
      const current = remote.issuedTokens().at(-1);
      if (current !== undefined) remote.expire(current);
    },
    tokensIssued: () => remote.issuedTokens().length,
    crashStdio: () => {
      for (const pid of stdioServers()) process.kill(pid, 'SIGKILL');
    },
    usageByTool: (ready) => usageByTool(ok, ready),
  };
  return {
    mcp,
    recorder,
    gateways: {
      ok: { url: ok.url, key: ok.key },
      failing: { url: failing.url, key: failing.key },
      cooling: { url: cooling.url, key: cooling.key },
      long: { url: long.url, key: long.key },
      badkey: { url: ok.url, key: WRONG_KEY },
      failover: { url: failover.url, key: failover.key },
    },
    use(name) {
      const h = { ok, failing, cooling, long, badkey: ok, failover }[name];
      // Each failover case starts healthy, its routes' health forgotten: its fault is switched on by the case.
      if (name === 'failover') {
        failover.sim.setScenario(failoverScenario('off'));
        for (const provider of ['simmain', 'simclaude', 'simspare', 'simclaudespare'])
          failover.store.resetHealth(provider);
      }
      // Each long case meets a cooldown of the whole minute, not what an earlier case left of it.
      if (name === 'long') for (const provider of ['sim', 'simant']) long.store.resetHealth(provider);
      // Each case starts with the key's allow-list removed and no fault waiting: a case sets its own.
      if (name === 'ok') {
        mcp.allow(undefined);
        afterList = undefined;
      }
      recorder.retarget(h.url);
      recorder.take();
      return name === 'badkey' ? WRONG_KEY : h.key;
    },
    fault(fault) {
      failover.sim.setScenario(failoverScenario(fault));
    },
    async close() {
      await recorder.close();
      await failover.close();
      await ok.close();
      await failing.close();
      await cooling.close();
      await long.close();
      await remote.close();
    },
  };
}

/** A POST to /mcp whose body is a `tools/list` request, answered. */
function isToolsList(e: Exchange): boolean {
  const body = e.request.body as { method?: unknown } | null;
  return e.request.path.startsWith('/mcp') && body?.method === 'tools/list' && e.answered.status === 200;
}

/** This process's children that are the gateways' stdio MCP servers (`sim mcp --stdio`), by their command lines. */
function stdioServers(): number[] {
  const children = readdirSync(`/proc/${process.pid}/task`).flatMap((t) =>
    readFileSync(`/proc/${process.pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes('sim mcp --stdio');
    } catch {
      return false;
    }
  });
}

const LEDGER_WAIT_MS = 10_000;

/** `switchyard usage --by tool` against a gateway's home, read again until it matches `ready` (the ledger's rows are
 * written in batches). */
async function usageByTool(h: Harness, ready: RegExp): Promise<string> {
  const until = Date.now() + LEDGER_WAIT_MS;
  for (;;) {
    const r = spawnSync(process.execPath, [SWITCHYARD_BIN, '--config', h.configPath, 'usage', '--by', 'tool'], {
      env: { ...process.env, SWITCHYARD_HOME: h.home, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    const text = `${r.stdout}${r.stderr}`;
    if (ready.test(text) || Date.now() > until) return text;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
