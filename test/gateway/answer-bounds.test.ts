// An upstream answer of 300 MB, whole (with its Content-Length said or not) or as one event of a stream, is refused
// while it is read (`limits.max_answer_bytes`, `limits.max_event_bytes`): the attempt fails, the chain's fallback
// answers, and the gateway process's memory stays far from the size of the answer. After the commit, an event over
// the bound ends the stream with an error event, as any mid-stream failure does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { hugeAnswer, hugeEvent, plainAnswer } from '../helpers/endless-answers.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const MB = 1_000_000;
const HUGE = 300 * MB;

/** The process's peak resident memory (VmHWM), in MiB; undefined where /proc is not there. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

test('300 MB answers are refused while read, the fallback answers, and the gateway stays far from 2 GB', async (t) => {
  if (peakRssMiB(process.pid) === undefined)
    return t.skip('no /proc/PID/status here to read a process peak memory from');
  // What the first route's model is sent next, by the request's own first word.
  await using up = await startCannedUpstream([], (request) => {
    if (request.model !== 'huge') return plainAnswer('the fallback answered', request.stream === true);
    const word = String(request.messages[0]?.content ?? '');
    if (word === 'declared') return hugeAnswer(HUGE, true);
    if (word === 'chunked') return hugeAnswer(HUGE, false);
    if (word === 'event-first') return hugeEvent(HUGE);
    if (word === 'whole-for-stream') return hugeAnswer(HUGE, false);
    return hugeEvent(HUGE, ['some words first']);
  });
  using ws = tempWorkspace('switchyard-answer-bounds-');
  const provider = (key: string) => ({ type: 'openai', base_url: up.baseUrl, api_key: key, timeout: '120s' });
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      // The route alone on its task has a provider of its own: five failures open big's circuit breaker.
      providers: {
        big: provider('sk-bounds-big-0000001'),
        solo: provider('sk-bounds-solo-000001'),
        small: provider('sk-bounds-small-000001'),
      },
      main: { provider: 'big', model: 'huge' },
      fallback: [{ provider: 'small', model: 'fine' }],
      auxiliary: { alone: { provider: 'solo', model: 'huge', fallback_to_main: false, timeout: '120s' } },
      retry: { max_retries: 2, base_delay: '1ms', max_delay: '1ms' },
      gateway: { require_keys: false },
    }),
  );
  await using gw = await spawnGateway(t, ['--config', configPath], { HOME: ws.dir, SWITCHYARD_HOME: ws.home }, ws.dir, {
    killAfterMs: 300_000,
  });
  const ask = (content: string, stream: boolean) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'main', stream, messages: [{ role: 'user', content }] }),
    });

  for (const word of ['declared', 'chunked']) {
    const res = await ask(word, false);
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    assert.equal(res.status, 200, word);
    assert.equal(body.choices[0]?.message.content, 'the fallback answered', word);
    assert.equal(res.headers.get('x-switchyard-route'), 'small/fine', word);
  }
  const first = await ask('event-first', true);
  assert.equal(first.status, 200);
  const firstText = await first.text();
  assert.match(firstText, /the fallback answered/);
  assert.match(firstText, /\[DONE\]/);

  const committed = await ask('event-after', true);
  assert.equal(committed.status, 200);
  const cut = await committed.text();
  assert.match(cut, /some words first/);
  assert.match(cut, /"error":\{[^}]*limits\.max_event_bytes/);
  assert.doesNotMatch(cut, /\[DONE\]/);

  // Each huge answer was asked for once (not retried on its key: it would come as large again).
  assert.equal(up.calls.filter((c) => c.model === 'huge').length, 4);
  // A whole answer where a stream was asked for is read only as far as needed to say what it was (and retried, as a
  // server failure: not a stream, not JSON either).
  const whole = await ask('whole-for-stream', true);
  assert.equal(whole.status, 200);
  assert.match(await whole.text(), /the fallback answered/);

  // Alone on its route, the refusal is the answer, and it names the setting.
  const alone = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'alone', messages: [{ role: 'user', content: 'chunked' }] }),
  });
  const refused = await alone.text();
  assert.equal(alone.status, 502, refused);
  assert.match(refused, /larger than limits\.max_answer_bytes \(32 MiB\)/);

  const peak = peakRssMiB(gw.child.pid!);
  t.diagnostic(`gateway peak RSS: ${peak?.toFixed(0)} MiB`);
  assert.ok(peak !== undefined && peak < 1024, `peak RSS ${peak} MiB`);
});
