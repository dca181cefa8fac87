// The table of malformed and mistyped configs for malformed.test.ts. Each YAML marks the line the error must point
// at with `#<`; `path` is the key path the message must name; `hint` the "did you mean" it must offer.
export interface MalformedCase {
  name: string;
  yaml: string;
  /** Key path the message must contain; null for pure YAML syntax errors, which have no key. */
  path: string | null;
  hint?: string;
  /** Extra text the message must contain. */
  says?: string;
  /** A `.env` to write beside the file. */
  dotenv?: string;
}

const PROVIDERS = `providers:
  mimo:
    type: openai
    base_url: https://api.example.com/v1
  deepseek: { type: openai, base_url: https://api.deepseek.com/v1 }
  claude: { type: anthropic, base_url: https://api.anthropic.com }
`;
const MAIN = 'main: { provider: mimo, model: mimo-v2.5-pro }\n';
/** A valid config with `extra` appended. */
const base = (extra: string): string => PROVIDERS + MAIN + extra;
/** A valid config whose `mimo` provider has the extra lines (4-space indented). */
const mimo = (lines: string): string =>
  `providers:\n  mimo:\n    type: openai\n    base_url: https://api.example.com/v1\n${lines}  deepseek: { type: openai, base_url: https://api.deepseek.com/v1 }\n` +
  MAIN;
/** A valid config with one auxiliary task's body. */
const task = (name: string, lines: string): string => base(`auxiliary:\n  ${name}:\n${lines}`);

/** A "billion laughs": each level repeats the one above nine times, so the last line stands for 9⁷ values. */
const BOMB =
  [
    'a: &a [x, x, x, x, x, x, x, x, x]',
    ...'bcdefg'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`),
  ].join('\n') + '  #<\n';

export const CASES: MalformedCase[] = [
  // Unknown keys, with the nearest valid one.
  { name: 'top-level typo fallbak', yaml: base('fallbak: []  #<\n'), path: 'fallbak', hint: 'fallback' },
  {
    name: 'top-level fallback_chain (a task key)',
    yaml: base('fallback_chain:  #<\n  - { provider: deepseek, model: d }\n'),
    path: 'fallback_chain',
    hint: 'fallback',
  },
  {
    name: 'model meta context',
    yaml: mimo('    models:\n      m: { context: 1000 }  #<\n'),
    path: 'providers.mimo.models.m.context',
    hint: 'context_window',
  },
  {
    name: 'top-level typo provders',
    yaml: 'provders:  #<\n  mimo: { type: openai, base_url: https://x.example/v1 }\n',
    path: 'provders',
    hint: 'providers',
  },
  { name: 'top-level typo retyr', yaml: base('retyr: { max_retries: 1 }  #<\n'), path: 'retyr', hint: 'retry' },
  {
    name: 'top-level cooldown (singular)',
    yaml: base('cooldown: { quota: 1h }  #<\n'),
    path: 'cooldown',
    hint: 'cooldowns',
  },
  {
    name: 'top-level credential (singular)',
    yaml: base('credential: { strategy: random }  #<\n'),
    path: 'credential',
    hint: 'credentials',
  },
  {
    name: 'top-level typo gatway',
    yaml: base('gatway: { listen: 127.0.0.1:1 }  #<\n'),
    path: 'gatway',
    hint: 'gateway',
  },
  { name: 'top-level typo auxilary', yaml: base('auxilary: {}  #<\n'), path: 'auxilary', hint: 'auxiliary' },
  {
    name: 'provider typo tpye',
    yaml: 'providers:\n  mimo:\n    tpye: openai  #<\n    type: openai\n    base_url: https://x.example/v1\n',
    path: 'providers.mimo.tpye',
    hint: 'type',
  },
  {
    name: 'provider base-url with a dash',
    yaml: mimo('    base-url: https://y.example  #<\n'),
    path: 'providers.mimo.base-url',
    hint: 'base_url',
  },
  {
    name: 'mint_wait without a minted source',
    yaml: mimo('    mint_wait: 5s  #<\n'),
    path: 'providers.mimo.mint_wait',
    says: 'there is none here: add one of api_key_file, api_key_command, oauth2, google_credentials, aws_credentials, or remove mint_wait',
  },
  {
    name: 'provider apikey',
    yaml: mimo('    apikey: literal-not-shown  #<\n'),
    path: 'providers.mimo.apikey',
    hint: 'api_key',
  },
  { name: 'provider timout', yaml: mimo('    timout: 30s  #<\n'), path: 'providers.mimo.timout', hint: 'timeout' },
  {
    name: 'provider header (singular)',
    yaml: mimo('    header: { X-A: b }  #<\n'),
    path: 'providers.mimo.header',
    hint: 'headers',
  },
  {
    name: 'provider model (singular)',
    yaml: mimo('    model: { m: {} }  #<\n'),
    path: 'providers.mimo.model',
    hint: 'models',
  },
  { name: 'provider keyenv', yaml: mimo('    keyenv: MIMO_KEY  #<\n'), path: 'providers.mimo.keyenv', hint: 'key_env' },
  {
    name: 'task fallbak_chain',
    yaml: task('title_generation', '    fallbak_chain: []  #<\n'),
    path: 'auxiliary.title_generation.fallbak_chain',
    hint: 'fallback_chain',
  },
  {
    name: 'task fallback_chian',
    yaml: task('title_generation', '    fallback_chian: []  #<\n'),
    path: 'auxiliary.title_generation.fallback_chian',
    hint: 'fallback_chain',
  },
  {
    name: 'task fallback_to_mian',
    yaml: task('compression', '    fallback_to_mian: true  #<\n'),
    path: 'auxiliary.compression.fallback_to_mian',
    hint: 'fallback_to_main',
  },
  {
    name: 'compression treshold',
    yaml: task('compression', '    treshold: 0.5  #<\n'),
    path: 'auxiliary.compression.treshold',
    hint: 'threshold',
  },
  {
    name: 'compression protect_frist',
    yaml: task('compression', '    protect_frist: 2  #<\n'),
    path: 'auxiliary.compression.protect_frist',
    hint: 'protect_first',
  },
  {
    name: 'title task has no threshold',
    yaml: task('title_generation', '    threshold: 0.5  #<\n'),
    path: 'auxiliary.title_generation.threshold',
  },
  { name: 'retry max_retry', yaml: base('retry:\n  max_retry: 3  #<\n'), path: 'retry.max_retry', hint: 'max_retries' },
  {
    name: 'retry base_dealy',
    yaml: base('retry:\n  base_dealy: 1s  #<\n'),
    path: 'retry.base_dealy',
    hint: 'base_delay',
  },
  {
    name: 'cooldowns rate_limit',
    yaml: base('cooldowns:\n  rate_limit: 30s  #<\n'),
    path: 'cooldowns.rate_limit',
    hint: 'rate_limited',
  },
  {
    name: 'gateway listem',
    yaml: base('gateway:\n  listem: 127.0.0.1:4141  #<\n'),
    path: 'gateway.listem',
    hint: 'listen',
  },
  {
    name: 'credentials stratgy',
    yaml: base('credentials:\n  stratgy: random  #<\n'),
    path: 'credentials.stratgy',
    hint: 'strategy',
  },
  {
    name: 'main modle',
    yaml: PROVIDERS + 'main:\n  provider: mimo\n  model: m\n  modle: x  #<\n',
    path: 'main.modle',
    hint: 'model',
  },
  {
    name: 'fallback entry with priority',
    yaml: base('fallback:\n  - provider: deepseek\n    model: d\n    priority: 1  #<\n'),
    path: 'fallback[0].priority',
  },

  // Wrong enum values.
  {
    name: 'type opnai',
    yaml: 'providers:\n  mimo:\n    type: opnai  #<\n    base_url: https://x.example/v1\n',
    path: 'providers.mimo.type',
    hint: 'openai',
  },
  {
    name: 'type anthropik',
    yaml: 'providers:\n  c:\n    type: anthropik  #<\n    base_url: https://x.example\n',
    path: 'providers.c.type',
    hint: 'anthropic',
  },
  {
    name: 'type missing',
    yaml: 'providers:\n  mimo:  #<\n    base_url: https://x.example/v1\n',
    path: 'providers.mimo.type',
    says: 'required',
  },
  {
    name: 'strategy round-robin',
    yaml: base('credentials:\n  strategy: round-robin  #<\n'),
    path: 'credentials.strategy',
    hint: 'round_robin',
  },
  {
    name: 'strategy fillfirst',
    yaml: base('credentials:\n  strategy: fillfirst  #<\n'),
    path: 'credentials.strategy',
    hint: 'fill_first',
  },
  {
    name: 'log_level verbose',
    yaml: base('gateway:\n  log_level: verbose  #<\n'),
    path: 'gateway.log_level',
    says: 'expected one of',
  },
  {
    name: 'responses_api on anthropic',
    yaml: 'providers:\n  c:\n    type: anthropic\n    base_url: https://x.example\n    responses_api: true  #<\n',
    path: 'providers.c.responses_api',
    says: 'only a type: openai provider',
  },
  {
    name: 'responses_websocket without responses_api',
    yaml: 'providers:\n  c:\n    type: openai\n    base_url: https://x.example\n    responses_websocket: true  #<\n',
    path: 'providers.c.responses_websocket',
    says: 'needs responses_api: true',
  },
  {
    name: 'hosted_tools ignore',
    yaml: base('gateway:\n  hosted_tools: ignore  #<\n'),
    path: 'gateway.hosted_tools',
    says: 'expected one of',
  },

  // Wrong values and types.
  {
    name: 'base_url not a URL',
    yaml: 'providers:\n  mimo:\n    type: openai\n    base_url: api.example.com  #<\n',
    path: 'providers.mimo.base_url',
    says: 'URL',
  },
  {
    name: 'base_url missing',
    yaml: 'providers:\n  mimo:  #<\n    type: openai\n',
    path: 'providers.mimo.base_url',
    says: 'required',
  },
  { name: 'timeout abc', yaml: mimo('    timeout: abc  #<\n'), path: 'providers.mimo.timeout', says: 'duration' },
  { name: 'timeout negative', yaml: mimo('    timeout: -5s  #<\n'), path: 'providers.mimo.timeout', says: 'duration' },
  { name: 'timeout boolean', yaml: mimo('    timeout: true  #<\n'), path: 'providers.mimo.timeout', says: 'duration' },
  {
    name: 'timeout unknown unit',
    yaml: base('cooldowns:\n  quota: 1d  #<\n'),
    path: 'cooldowns.quota',
    says: 'duration',
  },
  {
    name: 'max_retries negative',
    yaml: base('retry:\n  max_retries: -1  #<\n'),
    path: 'retry.max_retries',
    says: '>= 0',
  },
  { name: 'max_retries fractional', yaml: base('retry:\n  max_retries: 1.5  #<\n'), path: 'retry.max_retries' },
  {
    name: 'max_retries a word',
    yaml: base('retry:\n  max_retries: two  #<\n'),
    path: 'retry.max_retries',
    says: 'expected a whole number, got "two"',
  },
  {
    name: 'threshold above 1',
    yaml: task('compression', '    threshold: 1.5  #<\n'),
    path: 'auxiliary.compression.threshold',
    says: '<= 1',
  },
  {
    name: 'threshold zero',
    yaml: task('compression', '    threshold: 0  #<\n'),
    path: 'auxiliary.compression.threshold',
    says: '> 0',
  },
  {
    name: 'protect_last negative',
    yaml: task('compression', '    protect_last: -2  #<\n'),
    path: 'auxiliary.compression.protect_last',
  },
  // YAML reads a number too large for a double as Infinity, which JSON would show as `null`: say what was written.
  {
    name: 'protect_last overflowing',
    yaml: task('compression', '    protect_last: 1e400  #<\n'),
    path: 'auxiliary.compression.protect_last',
    says: 'expected a whole number, got 1e400 (too large to be a number)',
  },
  {
    name: 'threshold .inf',
    yaml: task('compression', '    threshold: .inf  #<\n'),
    path: 'auxiliary.compression.threshold',
    says: 'expected a number, got .inf (infinity)',
  },
  {
    name: 'context_window .nan',
    yaml: mimo('    models:\n      m: { context_window: .nan }  #<\n'),
    path: 'providers.mimo.models.m.context_window',
    says: 'expected a whole number, got .nan (not a number)',
  },
  {
    name: 'enabled no (a string in YAML 1.2)',
    yaml: task('title_generation', '    enabled: no  #<\n'),
    path: 'auxiliary.title_generation.enabled',
    says: 'true or false',
  },
  {
    name: 'listen without port',
    yaml: base('gateway:\n  listen: localhost  #<\n'),
    path: 'gateway.listen',
    says: 'HOST:PORT',
  },
  {
    name: 'state postgres',
    yaml: base('gateway:\n  state: postgres://db  #<\n'),
    path: 'gateway.state',
    says: 'redis://',
  },
  {
    name: 'state sentinel without a master',
    yaml: base('gateway:\n  state: redis+sentinel://s1:26379,s2:26379  #<\n'),
    path: 'gateway.state',
    says: 'names the master after the hosts',
  },
  {
    name: 'state_prefix with a space',
    yaml: base('gateway:\n  state_prefix: "team a:"  #<\n'),
    path: 'gateway.state_prefix',
    says: 'without spaces',
  },
  { name: 'body_limit zero', yaml: base('gateway:\n  body_limit: 0  #<\n'), path: 'gateway.body_limit' },
  {
    name: 'require_keys yes',
    yaml: base('gateway:\n  require_keys: "yes"  #<\n'),
    path: 'gateway.require_keys',
    says: 'true or false',
  },
  { name: 'key_env starts with a digit', yaml: mimo('    key_env: 1MIMO  #<\n'), path: 'providers.mimo.key_env' },
  {
    name: 'header value a number',
    yaml: mimo('    headers:\n      X-Team: 42  #<\n'),
    path: 'providers.mimo.headers.X-Team',
    says: 'expected a string',
  },
  {
    name: 'context_window negative',
    yaml: mimo('    models:\n      m: { context_window: -1 }  #<\n'),
    path: 'providers.mimo.models.m.context_window',
  },
  {
    name: 'context_window text',
    yaml: mimo('    models:\n      m: { context_window: big }  #<\n'),
    path: 'providers.mimo.models.m.context_window',
    says: 'expected a whole number, got "big"',
  },
  {
    name: 'api_keys a string',
    yaml: mimo('    api_keys: sk-one  #<\n'),
    path: 'providers.mimo.api_keys',
    says: 'a list',
  },
  {
    name: 'api_key and api_keys',
    yaml: mimo('    api_key: k1\n    api_keys: [k2]  #<\n'),
    path: 'providers.mimo.api_keys',
    says: 'not both',
  },
  {
    name: 'api_key a number',
    yaml: mimo('    api_key: 12345  #<\n'),
    path: 'providers.mimo.api_key',
    says: 'expected a string',
  },
  { name: 'providers a list', yaml: 'providers:  #<\n  - mimo\n', path: 'providers', says: 'a mapping' },
  {
    name: 'provider name with a space',
    yaml: 'providers:\n  "my mimo":  #<\n    type: openai\n    base_url: https://x.example/v1\n',
    path: 'providers.my mimo',
    says: 'letters, digits',
  },
  { name: 'fallback a mapping', yaml: base('fallback:  #<\n  provider: deepseek\n'), path: 'fallback', says: 'a list' },
  {
    name: 'fallback entry without provider',
    yaml: base('fallback:\n  - model: deepseek-chat  #<\n'),
    path: 'fallback[0].provider',
    says: 'required',
  },
  {
    name: 'main without model',
    yaml: PROVIDERS + 'main: { provider: mimo }  #<\n',
    path: 'main.model',
    says: 'required',
  },
  {
    name: 'main model empty',
    yaml: PROVIDERS + 'main: { provider: mimo, model: "" }  #<\n',
    path: 'main.model',
    says: 'empty',
  },
  { name: 'retry a list', yaml: base('retry:  #<\n  - 1\n'), path: 'retry', says: 'a mapping' },
  {
    name: 'fallback_chain a string',
    yaml: task('title_generation', '    fallback_chain: claude  #<\n'),
    path: 'auxiliary.title_generation.fallback_chain',
    says: 'a list',
  },
  {
    name: 'custom task unknown key',
    yaml: task('summarise', '    provider: auto\n    modle: x  #<\n'),
    path: 'auxiliary.summarise.modle',
    hint: 'model',
  },

  // Routes naming providers that do not exist.
  {
    name: 'main provider typo',
    yaml: PROVIDERS + 'main: { provider: mimoo, model: m }  #<\n',
    path: 'main.provider',
    hint: 'mimo',
  },
  {
    name: 'fallback provider typo',
    yaml: base('fallback:\n  - { provider: deepsek, model: d }  #<\n'),
    path: 'fallback[0].provider',
    hint: 'deepseek',
  },
  {
    name: 'fallback second entry unknown',
    yaml: base('fallback:\n  - { provider: deepseek, model: d }\n  - { provider: openrouter, model: x }  #<\n'),
    path: 'fallback[1].provider',
    says: 'defined providers: mimo, deepseek, claude',
  },
  {
    name: 'task provider typo',
    yaml: task('title_generation', '    provider: claud  #<\n'),
    path: 'auxiliary.title_generation.provider',
    hint: 'claude',
  },
  {
    name: 'task provider Auto (case)',
    yaml: task('compression', '    provider: Auto  #<\n'),
    path: 'auxiliary.compression.provider',
    hint: 'auto',
  },
  {
    name: 'task fallback_chain provider typo',
    yaml: task('title_generation', '    fallback_chain:\n      - { provider: cluade, model: h }  #<\n'),
    path: 'auxiliary.title_generation.fallback_chain[0].provider',
    hint: 'claude',
  },
  {
    name: 'main with no providers at all',
    yaml: 'main: { provider: mimo, model: m }  #<\n',
    path: 'main.provider',
    says: 'no providers are defined',
  },

  // Interpolation.
  {
    name: 'unset variable in base_url',
    yaml: 'providers:\n  mimo:\n    type: openai\n    base_url: ${MIMO_URL}  #<\n',
    path: 'providers.mimo.base_url',
    says: '${MIMO_URL} is not set',
  },
  {
    name: 'unset variable in a model name',
    yaml: PROVIDERS + 'main: { provider: mimo, model: "${MAIN_MODEL}" }  #<\n',
    path: 'main.model',
    says: '${MAIN_MODEL} is not set',
  },
  {
    name: 'unset variable in a header',
    yaml: mimo('    headers:\n      Authorization: Bearer ${TEAM_TOKEN}  #<\n'),
    path: 'providers.mimo.headers.Authorization',
    says: 'TEAM_TOKEN',
  },
  {
    name: 'bad variable name',
    yaml: mimo('    timeout: ${1TIMEOUT}  #<\n'),
    path: 'providers.mimo.timeout',
    says: 'not a variable reference',
  },
  {
    name: 'unclosed ${',
    yaml: 'providers:\n  mimo:\n    type: openai\n    base_url: "https://${HOST"  #<\n',
    path: 'providers.mimo.base_url',
    says: 'unclosed',
  },
  {
    name: '.env value still unset elsewhere',
    yaml: 'providers:\n  mimo:\n    type: openai\n    base_url: ${OTHER_URL}  #<\n',
    dotenv: 'MIMO_URL=https://x.example\n',
    path: 'providers.mimo.base_url',
    says: '.env',
  },

  // Headers HTTP cannot send: refused here, not as "could not reach" at every call.
  {
    name: 'CRLF in a header value',
    yaml: mimo('    headers:\n      X-Team: "team-a\\r\\nX-Injected: 1"  #<\n'),
    path: 'providers.mimo.headers.X-Team',
    says: 'the value contains a line break (a quoted value written over several lines?), which an HTTP header cannot carry',
  },
  {
    name: 'control character in a header value',
    yaml: mimo('    headers:\n      X-Team: "team\\u0007a"  #<\n'),
    path: 'providers.mimo.headers.X-Team',
    says: 'the value contains a control character',
  },
  {
    name: 'non-Latin-1 header value',
    yaml: mimo('    headers:\n      X-Team: "team€"  #<\n'),
    path: 'providers.mimo.headers.X-Team',
    says: 'a character beyond Latin-1',
  },
  {
    name: 'header name with a space',
    yaml: mimo('    headers:\n      "X Team": a  #<\n'),
    path: 'providers.mimo.headers.X Team',
    says: 'invalid name `X Team`: a header name is letters, digits',
  },

  // YAML itself.
  { name: 'duplicate key', yaml: base('retry: {}\nretry: {}  #<\n'), path: 'retry', says: 'duplicate key' },
  {
    name: 'duplicate provider',
    yaml: PROVIDERS + '  mimo: { type: openai, base_url: https://z.example }  #<\n' + MAIN,
    path: 'mimo',
    says: 'duplicate key',
  },
  {
    name: 'unclosed quote',
    yaml: base('gateway:\n  listen: "127.0.0.1:4141  #<'),
    path: null,
    says: 'YAML syntax error',
  },
  { name: 'tab indentation', yaml: base('retry:\n\tmax_retries: 1  #<\n'), path: null, says: 'YAML syntax error' },
  {
    name: 'unclosed flow sequence',
    yaml: base('fallback: [ { provider: deepseek, model: d }\nretry: {}  #<\n'),
    path: null,
    says: 'YAML syntax error',
  },
  { name: 'two documents', yaml: base('---  #<\nretry: {}\n'), path: null, says: 'YAML syntax error' },
  {
    name: 'unquoted ${VAR} in a flow mapping',
    yaml: mimo('    headers: { X-Team: ${TEAM}, X-Env: prod }  #<\n'),
    path: null,
    says: 'inside { … } a value with ${VAR} must be quoted: "${VAR}"',
  },
  {
    name: 'unquoted ${VAR} in a flow sequence',
    yaml: mimo('    api_keys: [${KEY_A}, ${KEY_B}]  #<\n'),
    path: null,
    says: 'inside [ … ] a value with ${VAR} must be quoted: "${VAR}"',
  },
  { name: 'a scalar document', yaml: 'just some text  #<\n', path: null, says: 'must be a mapping' },
  {
    name: 'alias bomb',
    yaml: BOMB,
    path: null,
    says: "YAML alias `*f` stands for 597,871 values: the document's aliases expand it past the 1,000,000 values a config may hold",
  },
  {
    name: 'alias inside its own anchor',
    yaml: 'providers: &p\n  mimo: *p  #<\n',
    path: null,
    says: 'YAML alias `*p` is inside the value it repeats (`&p`)',
  },
  {
    name: 'merge of its own anchor',
    yaml: 'providers:\n  mimo: &m\n    <<: *m  #<\n    type: openai\n',
    path: null,
    says: 'YAML alias `*m` is inside the value it repeats',
  },
  {
    name: 'alias with no anchor',
    yaml: base('retry: *defaults  #<\n'),
    path: null,
    says: 'YAML alias `*defaults` names no anchor before it',
  },
  // Budgets (docs/budgets.md).
  {
    name: 'budget window typo',
    yaml: base('budgets:\n  titles:\n    task: title_generation\n    tokens: { dya: 5 }  #<\n'),
    path: 'budgets.titles.tokens.dya',
    hint: 'day',
  },
  {
    name: 'budget resource typo',
    yaml: base('budgets:\n  app:\n    client_key: app\n    toknes: { day: 5 }  #<\n'),
    path: 'budgets.app.toknes',
    hint: 'tokens',
  },
  {
    name: 'budget over two scopes',
    yaml: base('budgets:\n  app:\n    client_key: app\n    task: main  #<\n    usd: { day: 5 }\n'),
    path: 'budgets.app.task',
    says: 'a budget covers one thing; this one names client_key and task',
  },
  {
    name: 'budget with no scope',
    yaml: base('budgets:\n  app:  #<\n    usd: { day: 5 }\n'),
    path: 'budgets.app',
    says: 'say what the budget covers',
  },
  {
    name: 'budget with no limit',
    yaml: base('budgets:\n  app:  #<\n    client_key: app\n'),
    path: 'budgets.app',
    says: 'give the budget a limit',
  },
  {
    name: 'budget store outage policy misspelt',
    yaml: base('budgets:\n  on_store_outage: shared  #<\n  app:\n    client_key: app\n    usd: { day: 5 }\n'),
    path: 'budgets.on_store_outage',
    says: 'expected one of share, local, refuse',
  },
  {
    name: 'budget with a name it cannot have',
    yaml: base('budgets:\n  my app:  #<\n    client_key: app\n    usd: { day: 5 }\n'),
    path: 'budgets.my app',
    says: 'budget names use letters, digits',
  },
  {
    name: 'budget on an unknown task',
    yaml: base('budgets:\n  titles:\n    task: titel_generation  #<\n    tokens: { day: 5 }\n'),
    path: 'budgets.titles.task',
    hint: 'title_generation',
  },
  {
    name: 'budget of tool calls on a task',
    yaml: base('budgets:\n  t:\n    task: main\n    calls: { hour: 5 }  #<\n'),
    path: 'budgets.t.calls',
    says: 'calls counts MCP tool calls: a budget of calls covers client_key, mcp_server (and tool) or all, not a task',
  },
  {
    name: 'budget of tokens on an MCP server',
    yaml: base('budgets:\n  t:\n    mcp_server: files\n    tokens: { hour: 5 }  #<\n'),
    path: 'budgets.t.tokens',
    says: "an MCP server's budget counts tool calls: use calls: { hour: N }",
  },
  {
    name: 'budget tool without its MCP server',
    yaml: base('budgets:\n  t:\n    client_key: app\n    tool: read  #<\n    calls: { hour: 5 }\n'),
    path: 'budgets.t.tool',
    says: 'tool needs the MCP server it belongs to: add mcp_server: NAME',
  },
  {
    name: 'budget on an unknown MCP server',
    yaml: base('budgets:\n  t:\n    mcp_server: filez  #<\n    calls: { hour: 5 }\n'),
    path: 'budgets.t.mcp_server',
    says: 'unknown MCP server `filez`; no servers are defined under `mcp.servers:`',
  },
  {
    name: 'budget on an unknown provider',
    yaml: base('budgets:\n  m:\n    provider: mimmo  #<\n    requests: { minute: 5 }\n'),
    path: 'budgets.m.provider',
    hint: 'mimo',
  },
  {
    name: 'budget model without its provider',
    yaml: base('budgets:\n  m:\n    model: m1  #<\n    requests: { minute: 5 }\n'),
    path: 'budgets.m.model',
    says: 'model needs the provider it belongs to',
  },
  {
    name: 'budget of a fraction of a request',
    yaml: base('budgets:\n  m:\n    all: true\n    requests: { minute: 1.5 }  #<\n'),
    path: 'budgets.m.requests.minute',
  },
];
