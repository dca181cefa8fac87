import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../src/config/schema.ts';
import { resolveTask, UnknownTaskError } from '../../src/config/resolve-task.ts';

const providers = {
  mimo: {
    type: 'openai',
    base_url: 'http://127.0.0.1:9/v1',
    models: { 'mimo-pro': { context_window: 128000 }, 'mimo-lite': {} },
  },
  deepseek: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' },
  claude: { type: 'anthropic', base_url: 'http://127.0.0.1:9' },
};
const base = {
  providers,
  main: { provider: 'mimo', model: 'mimo-pro' },
  fallback: [{ provider: 'deepseek', model: 'deepseek-chat' }],
};

function chain(config: unknown, task?: string): string[] {
  const plan = resolveTask(configSchema.parse(config), task);
  assert.equal(plan.status, 'chain');
  return plan.status === 'chain' ? plan.routes.map((r) => `${r.provider}/${r.model}`) : [];
}

test('main is the main route then the fallback chain', () => {
  assert.deepEqual(chain(base), ['mimo/mimo-pro', 'deepseek/deepseek-chat']);
});

test('provider: none and enabled: false are disabled and name the setting', () => {
  const none = resolveTask(
    configSchema.parse({ ...base, auxiliary: { title_generation: { provider: 'none' } } }),
    'title_generation',
  );
  assert.deepEqual(none, {
    status: 'disabled',
    task: 'title_generation',
    reason: 'auxiliary.title_generation.provider is none',
  });
  const off = resolveTask(
    configSchema.parse({ ...base, auxiliary: { title_generation: { enabled: false, provider: 'mimo' } } }),
    'title_generation',
  );
  assert.equal(off.status, 'disabled');
});

test('auto is the main chain; its model overrides the main route model only', () => {
  assert.deepEqual(chain({ ...base, auxiliary: { title_generation: { provider: 'auto' } } }, 'title_generation'), [
    'mimo/mimo-pro',
    'deepseek/deepseek-chat',
  ]);
  assert.deepEqual(
    chain(
      { ...base, auxiliary: { title_generation: { provider: 'auto', model: 'mimo-lite', fallback_to_main: false } } },
      'title_generation',
    ),
    ['mimo/mimo-lite', 'deepseek/deepseek-chat'],
  );
});

test('an explicit provider: its route, then fallback_chain, then the main chain (seed 003), duplicates once', () => {
  const config = {
    ...base,
    auxiliary: {
      compression: {
        provider: 'claude',
        model: 'haiku',
        fallback_chain: [
          { provider: 'deepseek', model: 'deepseek-chat' },
          { provider: 'claude', model: 'haiku' },
        ],
      },
    },
  };
  assert.deepEqual(chain(config, 'compression'), ['claude/haiku', 'deepseek/deepseek-chat', 'mimo/mimo-pro']);
  const noMain = {
    ...base,
    auxiliary: { compression: { provider: 'claude', model: 'haiku', fallback_to_main: false } },
  };
  assert.deepEqual(chain(noMain, 'compression'), ['claude/haiku']);
});

// The rule for every task: its primary (its own provider, or the main chain for auto), then its fallback_chain, then
// the main chain if fallback_to_main — each route once.
const CHAIN_TABLE: { provider: string; model?: string; fallbackChain: boolean; toMain: boolean; expect: string[] }[] = [
  { provider: 'auto', fallbackChain: false, toMain: false, expect: ['mimo/mimo-pro', 'deepseek/deepseek-chat'] },
  { provider: 'auto', fallbackChain: false, toMain: true, expect: ['mimo/mimo-pro', 'deepseek/deepseek-chat'] },
  {
    provider: 'auto',
    fallbackChain: true,
    toMain: false,
    expect: ['mimo/mimo-pro', 'deepseek/deepseek-chat', 'claude/haiku'],
  },
  {
    provider: 'auto',
    fallbackChain: true,
    toMain: true,
    expect: ['mimo/mimo-pro', 'deepseek/deepseek-chat', 'claude/haiku'],
  },
  {
    provider: 'auto',
    model: 'mimo-lite',
    fallbackChain: false,
    toMain: false,
    expect: ['mimo/mimo-lite', 'deepseek/deepseek-chat'],
  },
  {
    provider: 'auto',
    model: 'mimo-lite',
    fallbackChain: false,
    toMain: true,
    expect: ['mimo/mimo-lite', 'deepseek/deepseek-chat', 'mimo/mimo-pro'],
  },
  {
    provider: 'auto',
    model: 'mimo-lite',
    fallbackChain: true,
    toMain: false,
    expect: ['mimo/mimo-lite', 'deepseek/deepseek-chat', 'claude/haiku'],
  },
  {
    provider: 'auto',
    model: 'mimo-lite',
    fallbackChain: true,
    toMain: true,
    expect: ['mimo/mimo-lite', 'deepseek/deepseek-chat', 'claude/haiku', 'mimo/mimo-pro'],
  },
  { provider: 'claude', model: 'opus', fallbackChain: false, toMain: false, expect: ['claude/opus'] },
  {
    provider: 'claude',
    model: 'opus',
    fallbackChain: false,
    toMain: true,
    expect: ['claude/opus', 'mimo/mimo-pro', 'deepseek/deepseek-chat'],
  },
  { provider: 'claude', model: 'opus', fallbackChain: true, toMain: false, expect: ['claude/opus', 'claude/haiku'] },
  {
    provider: 'claude',
    model: 'opus',
    fallbackChain: true,
    toMain: true,
    expect: ['claude/opus', 'claude/haiku', 'mimo/mimo-pro', 'deepseek/deepseek-chat'],
  },
];

for (const row of CHAIN_TABLE) {
  const name = `${row.provider}${row.model ? ` (model ${row.model})` : ''}, ${row.fallbackChain ? 'with' : 'without'} fallback_chain, fallback_to_main ${row.toMain}`;
  test(`task chain: ${name} → ${row.expect.join(' → ')}`, () => {
    const task = {
      provider: row.provider,
      ...(row.model ? { model: row.model } : {}),
      fallback_chain: row.fallbackChain ? [{ provider: 'claude', model: 'haiku' }] : [],
      fallback_to_main: row.toMain,
    };
    assert.deepEqual(chain({ ...base, auxiliary: { title_generation: task } }, 'title_generation'), row.expect);
  });
}

test('each route of a task chain names the setting it comes from', () => {
  const plan = resolveTask(
    configSchema.parse({
      ...base,
      auxiliary: { title_generation: { fallback_chain: [{ provider: 'claude', model: 'haiku' }] } },
    }),
    'title_generation',
  );
  assert.ok(plan.status === 'chain');
  assert.deepEqual(
    plan.routes.map((r) => r.origin),
    ['main', 'fallback[0]', 'auxiliary.title_generation.fallback_chain[0]'],
  );
});

test('auto with no main route still has its fallback_chain; with neither it is a config error', () => {
  assert.deepEqual(
    chain(
      { providers, auxiliary: { title_generation: { fallback_chain: [{ provider: 'claude', model: 'haiku' }] } } },
      'title_generation',
    ),
    ['claude/haiku'],
  );
  assert.throws(
    () => resolveTask(configSchema.parse({ providers }), 'title_generation'),
    /task title_generation uses the main chain, but no main route is configured/,
  );
});

test('an override on an auto task replaces its first route; its fallback_chain stays behind, each route once', () => {
  const config = configSchema.parse({
    ...base,
    auxiliary: { title_generation: { fallback_chain: [{ provider: 'claude', model: 'haiku' }] } },
  });
  const plan = resolveTask(config, 'title_generation', { provider: 'mimo', model: 'mimo-lite' });
  assert.ok(plan.status === 'chain');
  assert.deepEqual(
    plan.routes.map((r) => `${r.provider}/${r.model}`),
    ['mimo/mimo-lite', 'deepseek/deepseek-chat', 'claude/haiku'],
  );
  const noMain = resolveTask(
    configSchema.parse({
      providers,
      auxiliary: { title_generation: { fallback_chain: [{ provider: 'claude', model: 'haiku' }] } },
    }),
    'title_generation',
    { provider: 'mimo', model: 'mimo-lite' },
  );
  assert.ok(noMain.status === 'chain');
  assert.deepEqual(
    noMain.routes.map((r) => `${r.provider}/${r.model}`),
    ['mimo/mimo-lite', 'claude/haiku'],
    'with no primary, the override goes before the fallback_chain',
  );
});

test("an explicit provider without a model uses the provider's first listed model", () => {
  assert.deepEqual(
    chain(
      { ...base, auxiliary: { title_generation: { provider: 'mimo', fallback_to_main: false } } },
      'title_generation',
    ),
    ['mimo/mimo-pro'],
  );
  const plan = resolveTask(
    configSchema.parse({ ...base, auxiliary: { title_generation: { provider: 'deepseek', fallback_to_main: false } } }),
    'title_generation',
  );
  assert.ok(
    plan.status === 'chain' && plan.routes[0]?.invalid?.includes('auxiliary.title_generation.model is not set'),
  );
});

test("task base_url and api_key override the provider's for that route only", () => {
  const config = {
    ...base,
    auxiliary: {
      title_generation: {
        provider: 'mimo',
        model: 'mimo-lite',
        base_url: 'http://127.0.0.1:7/v1',
        api_key: 'sk-task-key-123456',
        timeout: '30s',
      },
    },
  };
  const plan = resolveTask(configSchema.parse(config), 'title_generation');
  assert.ok(plan.status === 'chain');
  assert.equal(plan.routes[0]?.baseUrl, 'http://127.0.0.1:7/v1');
  assert.deepEqual(plan.routes[0]?.apiKey, {
    secret: 'sk-task-key-123456',
    where: 'auxiliary.title_generation.api_key',
  });
  assert.equal(plan.routes[1]?.apiKey, undefined);
  assert.equal(plan.timeoutMs, 30_000, 'auxiliary tasks carry their own deadline');
});

test('a request override replaces the first route and keeps the rest as fallback', () => {
  const plan = resolveTask(configSchema.parse(base), 'main', { provider: 'claude', model: 'opus' });
  assert.ok(plan.status === 'chain');
  assert.deepEqual(
    plan.routes.map((r) => `${r.provider}/${r.model}`),
    ['claude/opus', 'deepseek/deepseek-chat'],
  );
});

test('an unknown task is a typed error naming the valid tasks', () => {
  assert.throws(
    () => resolveTask(configSchema.parse(base), 'titel'),
    (err: unknown) => {
      assert.ok(UnknownTaskError.isInstance(err));
      assert.match(err.message, /unknown task "titel"; valid tasks: main, title_generation, compression/);
      return true;
    },
  );
});

test('no main route: a clear config error', () => {
  assert.throws(() => resolveTask(configSchema.parse({ providers }), 'main'), /no main route is configured/);
});
