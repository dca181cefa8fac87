import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../src/config/schema.ts';
import { resolveTask, UnknownTaskError } from '../../src/routing/resolve-task.ts';

const providers = {
  mimo: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', models: { 'mimo-pro': { context_window: 128000 }, 'mimo-lite': {} } },
  deepseek: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' },
  claude: { type: 'anthropic', base_url: 'http://127.0.0.1:9' },
};
const base = { providers, main: { provider: 'mimo', model: 'mimo-pro' }, fallback: [{ provider: 'deepseek', model: 'deepseek-chat' }] };

function chain(config: unknown, task?: string): string[] {
  const plan = resolveTask(configSchema.parse(config), task);
  assert.equal(plan.status, 'chain');
  return plan.status === 'chain' ? plan.routes.map((r) => `${r.provider}/${r.model}`) : [];
}

test('main is the main route then the fallback chain', () => {
  assert.deepEqual(chain(base), ['mimo/mimo-pro', 'deepseek/deepseek-chat']);
});

test('provider: none and enabled: false are disabled and name the setting', () => {
  const none = resolveTask(configSchema.parse({ ...base, auxiliary: { title_generation: { provider: 'none' } } }), 'title_generation');
  assert.deepEqual(none, { status: 'disabled', task: 'title_generation', reason: 'auxiliary.title_generation.provider is none' });
  const off = resolveTask(configSchema.parse({ ...base, auxiliary: { title_generation: { enabled: false, provider: 'mimo' } } }), 'title_generation');
  assert.equal(off.status, 'disabled');
});

test('auto is the main chain; its model overrides the main route model only', () => {
  assert.deepEqual(chain({ ...base, auxiliary: { title_generation: { provider: 'auto' } } }, 'title_generation'), ['mimo/mimo-pro', 'deepseek/deepseek-chat']);
  assert.deepEqual(chain({ ...base, auxiliary: { title_generation: { provider: 'auto', model: 'mimo-lite' } } }, 'title_generation'), ['mimo/mimo-lite', 'deepseek/deepseek-chat']);
});

test('an explicit provider: its route, then fallback_chain, then the main chain (seed 003), duplicates once', () => {
  const config = { ...base, auxiliary: { compression: { provider: 'claude', model: 'haiku', fallback_chain: [{ provider: 'deepseek', model: 'deepseek-chat' }, { provider: 'claude', model: 'haiku' }] } } };
  assert.deepEqual(chain(config, 'compression'), ['claude/haiku', 'deepseek/deepseek-chat', 'mimo/mimo-pro']);
  const noMain = { ...base, auxiliary: { compression: { provider: 'claude', model: 'haiku', fallback_to_main: false } } };
  assert.deepEqual(chain(noMain, 'compression'), ['claude/haiku']);
});

test("an explicit provider without a model uses the provider's first listed model", () => {
  assert.deepEqual(chain({ ...base, auxiliary: { title_generation: { provider: 'mimo', fallback_to_main: false } } }, 'title_generation'), ['mimo/mimo-pro']);
  const plan = resolveTask(configSchema.parse({ ...base, auxiliary: { title_generation: { provider: 'deepseek', fallback_to_main: false } } }), 'title_generation');
  assert.ok(plan.status === 'chain' && plan.routes[0]?.invalid?.includes('auxiliary.title_generation.model is not set'));
});

test("task base_url and api_key override the provider's for that route only", () => {
  const config = { ...base, auxiliary: { title_generation: { provider: 'mimo', model: 'mimo-lite', base_url: 'http://127.0.0.1:7/v1', api_key: 'sk-task-key-123456', timeout: '30s' } } };
  const plan = resolveTask(configSchema.parse(config), 'title_generation');
  assert.ok(plan.status === 'chain');
  assert.equal(plan.routes[0]?.baseUrl, 'http://127.0.0.1:7/v1');
  assert.deepEqual(plan.routes[0]?.apiKey, { secret: 'sk-task-key-123456', where: 'auxiliary.title_generation.api_key' });
  assert.equal(plan.routes[1]?.apiKey, undefined);
  assert.equal(plan.timeoutMs, 30_000, 'auxiliary tasks carry their own deadline');
});

test('a request override replaces the first route and keeps the rest as fallback', () => {
  const plan = resolveTask(configSchema.parse(base), 'main', { provider: 'claude', model: 'opus' });
  assert.ok(plan.status === 'chain');
  assert.deepEqual(plan.routes.map((r) => `${r.provider}/${r.model}`), ['claude/opus', 'deepseek/deepseek-chat']);
});

test('an unknown task is a typed error naming the valid tasks', () => {
  assert.throws(() => resolveTask(configSchema.parse(base), 'titel'), (err: unknown) => {
    assert.ok(UnknownTaskError.isInstance(err));
    assert.match(err.message, /unknown task "titel"; valid tasks: main, title_generation, compression/);
    return true;
  });
});

test('no main route: a clear config error', () => {
  assert.throws(() => resolveTask(configSchema.parse({ providers }), 'main'), /no main route is configured/);
});
