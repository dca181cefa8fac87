// Seeds 000 and 001: a title that must not die with the main key, and a replaced key that must be used at once.
import { titleRequest } from '../../sessions/title-upgrade.ts';
import { cleanGeneratedTitle } from '../../sessions/title-text.ts';
import { mask } from '../../config/mask.ts';
import { callTask, showCall, type Section } from './section.ts';
import { explainTable, trailTable } from './tables.ts';

const OLD_XIAOMI = 'sk-demo-xiaomi-old-quota-5d02';
const NEW_XIAOMI = 'sk-demo-xiaomi-new-8f3a';

export const seed000: Section = {
  id: '000',
  title: 'title generation while the main key is invalid',
  upstream:
    'The main key (MIMO_API_KEY in .env) has expired: mimo answers every call with 401 Invalid API Key. Titles run on ' +
    '`provider: auto` (the main chain), so in the report the title failed along with the chat.',
  config:
    'auxiliary.title_generation.provider: auto → the main chain: mimo/mimo-v2.5-pro, then fallback deepseek/deepseek-chat',
  async run(world, p) {
    p.step('after the first exchange of a chat, the background title call (task title_generation):');
    const call = await callTask(
      world,
      'title_generation',
      titleRequest('Why does title generation fail with HTTP 401?', 'Because the key is invalid.'),
      40,
    );
    p.block(trailTable(call.trail));
    if (!call.ok) {
      p.line(`  error: ${call.explanation}`);
      return p.outcome('000', false, 'the title did not arrive');
    }
    const result = call.result;
    const title = cleanGeneratedTitle(result.response.content) ?? '';
    const viaFallback = result.provider === 'deepseek';
    p.line(`  title: "${title}" via ${result.route}`);
    p.step('the same through the gateway: POST /v1/chat/completions with model "title_generation"');
    const gw = await gatewayTitle(world.gateway.url, world.clientKey);
    p.line(
      `  HTTP ${gw.status}, x-switchyard-route: ${gw.route}, x-switchyard-attempts: ${gw.attempts}, title: "${gw.title}"`,
    );
    p.outcome(
      '000',
      viaFallback && title.length > 0 && gw.status === 200,
      `the title still arrived through the fallback (${result.trail.length} attempts; the bad key is now marked rejected and skipped)`,
    );
  },
};

async function gatewayTitle(
  url: string,
  key: string,
): Promise<{ status: number; route: string; attempts: string; title: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: 'title_generation',
      messages: titleRequest('How do I rotate an expired key?', 'Add the new key and remove the old one.'),
    }),
  });
  const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
  return {
    status: res.status,
    route: res.headers.get('x-switchyard-route') ?? '—',
    attempts: res.headers.get('x-switchyard-attempts') ?? '—',
    title: cleanGeneratedTitle(body.choices?.[0]?.message?.content ?? '') ?? '',
  };
}

export const seed001: Section = {
  id: '001',
  title: 'an exhausted key, then the user edits the config to a new one',
  upstream:
    `The xiaomi key in the config (${mask(OLD_XIAOMI)}) has used up its quota: 429 insufficient_quota. The user replaces it in ` +
    'switchyard.yaml. In the report a cached copy of the old key kept being used and the new one was ignored.',
  config: 'auxiliary.agent: { provider: xiaomi, fallback_to_main: false } — a task of our own, so the failure shows',
  async run(world, p) {
    p.step('a call with the exhausted key:');
    const before = await callTask(world, 'agent', 'Summarise the release notes.');
    showCall(p, before);
    p.step('switchyard auth explain xiaomi — before the edit:');
    p.block(explainTable(world.router.pool.explain('xiaomi')));
    p.step(
      `the user edits switchyard.yaml: providers.xiaomi.api_key ${mask(OLD_XIAOMI)} → ${mask(NEW_XIAOMI)} (nothing else: no cache to clear, no restart)`,
    );
    world.editConfig(OLD_XIAOMI, NEW_XIAOMI);
    p.step('switchyard auth explain xiaomi — after the edit:');
    const explained = world.router.pool.explain('xiaomi');
    p.block(explainTable(explained));
    p.step('the next call:');
    const after = await callTask(world, 'agent', 'Summarise the release notes.');
    showCall(p, after);
    const first = after.trail[0];
    const usedNewAtOnce = after.ok && after.trail.length === 1 && first?.credential?.masked === mask(NEW_XIAOMI);
    p.outcome(
      '001',
      !before.ok && usedNewAtOnce,
      `the new key was used at once (config keys are references, never copies); the old one stays cooled in its own health record`,
    );
  },
};
