// `gateway.aliases`: what the loader takes, what `config check` refuses (located, with the fix), how `config show
// --explain` shows it, and that `config init`'s commented example is a working config once uncommented.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { EXAMPLE_CONFIG } from '../../src/config/example.ts';
import { trustConfig } from '../../src/config/trust.ts';
import { buildModelIndex, resolveModel } from '../../src/gateway/request/model-resolve.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { userError } from '../helpers/errors.ts';

const ws = tempWorkspace('switchyard-config-aliases-');
after(() => ws.cleanup());

const BASE = `providers:
  claude: { type: anthropic, base_url: https://api.anthropic.com, models: { claude-haiku-4-5: {} } }
  oai: { type: openai, base_url: https://api.openai.com/v1 }
main: { provider: claude, model: claude-opus-5-5 }
auxiliary:
  fast: { provider: oai, model: gpt-5-mini }
`;

let n = 0;
function load(yaml: string) {
  const file = join(`c${n++}`, 'switchyard.yaml');
  ws.write(file, yaml);
  return loadConfig({ configPath: join(ws.dir, file), env: { HOME: ws.home }, cwd: ws.dir });
}

test('aliases load, and a model name resolves through them: exact, longer pattern, shorter pattern, then "*"', () => {
  const loaded = load(`${BASE}gateway:
  aliases:
    claude-*: main
    claude-haiku-*: fast
    gpt-5*: oai/gpt-5.5
    claude-haiku-4-5-exact: claude/claude-haiku-4-5
    "*": fast
`);
  const index = buildModelIndex(loaded.config);
  const target = (model: string) => resolveModel(index, model);
  assert.deepEqual(target('claude-sonnet-5'), { task: 'main', explicit: false, alias: 'claude-*' });
  assert.deepEqual(
    target('claude-haiku-4-5-20251001'),
    { task: 'fast', explicit: false, alias: 'claude-haiku-*' },
    'the longer pattern wins',
  );
  assert.deepEqual(target('claude-haiku-4-5-exact'), {
    task: 'main',
    route: { provider: 'claude', model: 'claude-haiku-4-5' },
    explicit: true,
    alias: 'claude-haiku-4-5-exact',
  });
  assert.deepEqual(target('gpt-5.5-codex'), {
    task: 'main',
    route: { provider: 'oai', model: 'gpt-5.5' },
    explicit: true,
    alias: 'gpt-5*',
  });
  assert.deepEqual(target('llama-4'), { task: 'fast', explicit: false, alias: '*' }, '"*" takes any other name');
  // What the config names itself comes before the patterns: a task, a provider/model, a listed model.
  assert.deepEqual(target('main'), { task: 'main', explicit: false });
  assert.deepEqual(
    target('claude-opus-5-5'),
    { task: 'main', route: { provider: 'claude', model: 'claude-opus-5-5' }, explicit: true },
    'a model a route uses',
  );
  assert.deepEqual(target('claude/claude-opus-4-8'), {
    task: 'main',
    route: { provider: 'claude', model: 'claude-opus-4-8' },
    explicit: true,
  });
  assert.deepEqual(target('claude-haiku-4-5'), {
    task: 'main',
    route: { provider: 'claude', model: 'claude-haiku-4-5' },
    explicit: true,
  });
});

test("config check refuses an alias that leads nowhere, or takes a task's name — located, with what to write", () => {
  const err = userError(() =>
    load(`${BASE}gateway:
  aliases:
    claude-*: mian
    gpt-5*: openia/gpt-5.5
    haiku: claude-haiku-4-5
    fast: main
`),
  );
  const text = [err.message, ...(err.details ?? [])].join('\n');
  assert.match(
    text,
    /switchyard\.yaml:9:15: gateway\.aliases\.claude-\*: `mian` is neither a task \(main, title_generation, compression, fast\) nor a provider\/model route \(did you mean `main`\?\)/,
  );
  assert.match(
    text,
    /switchyard\.yaml:10:13: gateway\.aliases\.gpt-5\*: unknown provider `openia` in `openia\/gpt-5\.5`; defined providers: claude, oai/,
  );
  assert.match(
    text,
    /switchyard\.yaml:11:12: gateway\.aliases\.haiku: `claude-haiku-4-5` is neither a task .* nor a provider\/model route; name the route with its provider: `claude\/claude-haiku-4-5`/,
  );
  assert.match(
    text,
    /switchyard\.yaml:12:5: gateway\.aliases\.fast: `fast` is a task: a client that names it gets the task, so an alias cannot take its name/,
  );
});

test('config show --explain lists each alias with where it was written; none by default', async () => {
  const dir = join(ws.dir, 'show');
  ws.write('show/switchyard.yaml', `${BASE}gateway:\n  aliases: { "claude-*": main, "*": fast }\n`);
  const env = { HOME: ws.home };
  trustConfig(join(dir, 'switchyard.yaml'), env);
  const r = await runCliInProcess(['config', 'show', '--explain'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^gateway\.aliases\.claude-\*\s+main\s+switchyard\.yaml:8$/m);
  assert.match(r.stdout, /^gateway\.aliases\.\*\s+fast\s+switchyard\.yaml:8$/m);
  assert.deepEqual(load(BASE).config.gateway.aliases, {});
});

test("config init's commented aliases, uncommented, are a config check accepts", () => {
  const uncommented = EXAMPLE_CONFIG.replace(
    /^ {2}# (aliases:.*| {2}\S.*)$/gm,
    (_line, rest: string) => `  ${rest.replace(/\s+#.*$/, '')}`,
  );
  assert.match(uncommented, /^ {2}aliases:$/m);
  assert.match(uncommented, /^ {4}"\*": main$/m);
  const loaded = load(uncommented);
  assert.deepEqual(loaded.config.gateway.aliases, {
    'claude-*': 'main',
    'gpt-5*': 'main',
    'claude-haiku-4-5': 'claude/claude-haiku-4-5',
    '*': 'main',
  });
});
