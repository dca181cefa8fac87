// A base URL that carries a key in its query (`?api-version=KEY`, as Azure-style proxies take one) against an
// upstream that quotes the URL it was sent to in every error: the value is scrubbed from what the client gets (401,
// 400, 429, 502, a stream), the gateway's log, the state store, `auth list --json` and `chat -m`. A date there is an
// API version, not a key, and stays readable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const QUERY_KEY = 'AZQUERYSECRET0042x';
const STATUSES = [401, 400, 429, 502] as const;
/** Not key-shaped on purpose: only the exact scrubbing of what the config marks secret can catch them. */
const keyOf = (status: number): string => `plain-key-${status}-secret`;

test("a key in base_url's query is scrubbed wherever an upstream that quotes the URL is repeated", async (t) => {
  await using up = await startCannedUpstream([], (request, sent) => {
    const status = Number(/^m(\d+)$/.exec(request.model ?? '')?.[1] ?? 500);
    return {
      status,
      body: {
        error: { message: `bad request to ${sent.url} (version 2024-06-01 asked)`, type: 'invalid_request_error' },
      },
    };
  });
  using ws = tempWorkspace('switchyard-url-secrets-');
  const baseUrl = `${up.baseUrl}?api-version=${QUERY_KEY}&v=2024-06-01`;
  const providers = Object.fromEntries(
    STATUSES.map((s) => [`p${s}`, { type: 'openai', base_url: baseUrl, api_key: keyOf(s), timeout: '5s' }]),
  );
  const auxiliary = Object.fromEntries(
    STATUSES.map((s) => [`s${s}`, { provider: `p${s}`, model: `m${s}`, fallback_to_main: false }]),
  );
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers,
      auxiliary,
      main: { provider: 'p400', model: 'm400' },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
      gateway: { require_keys: false, log_level: 'debug' },
    }),
  );
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home };
  await using gw = await spawnGateway(t, ['--config', configPath], env, ws.dir);

  const seen: string[] = [];
  const send = async (model: string, stream = false): Promise<number> => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
    });
    seen.push(await res.text());
    return res.status;
  };
  for (const s of STATUSES) assert.ok((await send(`s${s}`)) >= 400);
  await send('s400', true);
  // Each echo reached the client (so the scrubbing is what kept the key out), with its date readable.
  for (const text of seen)
    assert.match(
      text,
      /bad request to \/v1\/chat\/completions\?api-version=\[redacted\]&v=2024-06-01 \(version 2024-06-01 asked\)/,
    );

  const list = await runCliInProcess(['-c', configPath, 'auth', 'list', '--json'], { cwd: ws.dir, env });
  assert.equal(list.code, 0, list.stderr);
  assert.match(
    list.stdout,
    /"last_failure_message": "bad request to \/v1\/chat\/completions\?api-version=\[redacted\]/,
  );
  const chat = await runCliInProcess(['-c', configPath, 'chat', '-m', 'hi', '--json'], { cwd: ws.dir, env });
  assert.match(chat.stdout, /api-version=\[redacted\]/);
  const chatPlain = await runCliInProcess(['-c', configPath, 'chat', '-m', 'hi'], { cwd: ws.dir, env });
  const show = await runCliInProcess(['-c', configPath, 'config', 'show'], { cwd: ws.dir, env });
  assert.match(show.stdout, /api-version=\*\*\*&v=2024-06-01/, 'config show masks the key and shows the date');

  gw.child.kill('SIGTERM');
  await gw.exited;
  const state = readdirSync(ws.home).map((f) => readFileSync(join(ws.home, f)).toString('latin1'));
  const everything = [
    ...seen,
    gw.stderr(),
    gw.stdout(),
    list.stdout,
    list.stderr,
    chat.stdout,
    chat.stderr,
    chatPlain.stdout,
    chatPlain.stderr,
    show.stdout,
    ...state,
  ].join('\n');
  assert.match(gw.stderr(), /"attempt trail"/, 'the debug log was written');
  for (const secret of [QUERY_KEY, ...STATUSES.map(keyOf)]) assert.ok(!everything.includes(secret), `${secret} leaked`);
});
