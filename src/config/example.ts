// The commented example that `switchyard config init` writes. It must pass `switchyard config check` as written,
// with no variables set: keys are `${VAR}` references, and an unset one just means "no key from there".
export const EXAMPLE_CONFIG = `# Switchyard configuration. Check it with: switchyard config check
# Explain every value and where it came from: switchyard config show --explain
#
# \${VAR} is replaced from the environment, then from the .env file beside this file (never copied elsewhere).
# Write $\${ for a literal "\${". Durations: 250ms, 30s, 5m, 1h.

providers:
  mimo:
    type: openai                      # openai (any OpenAI-compatible API) | anthropic
    base_url: https://api.example.com/v1
    api_key: \${MIMO_API_KEY}          # one key (literal or \${VAR}); an unset variable means "no key from here"
    # key_env: MIMO_API_KEY           # variable also scanned for a key (default: <NAME>_API_KEY)
    timeout: 60s
    headers: {}                       # extra headers sent upstream
    models:                           # optional; the context window is used by compression and fallback
      mimo-v2.5-pro: { context_window: 128000 }
  deepseek:
    type: openai
    base_url: https://api.deepseek.com/v1
    api_keys:                         # several keys, tried in this order
      - \${DEEPSEEK_API_KEY}
      - \${DEEPSEEK_API_KEY_2}
  claude:
    type: anthropic
    base_url: https://api.anthropic.com
    key_env: ANTHROPIC_API_KEY

# The main route, then the main chain after it. Every route is { provider, model }.
main: { provider: mimo, model: mimo-v2.5-pro }
fallback:
  - { provider: deepseek, model: deepseek-chat }

# Side tasks. Each tries its provider (auto = the main chain | none = disabled | a provider name),
# then its fallback_chain, then the main chain if fallback_to_main.
auxiliary:
  title_generation:
    enabled: true
    provider: auto
    model: ""                         # optional model override
    timeout: 30s
    fallback_chain:
      - { provider: claude, model: claude-haiku-4-5 }
    fallback_to_main: true            # after its fallback_chain, try the main chain
  compression:
    provider: auto
    timeout: 300s
    threshold: 0.75                   # summarise when the prompt reaches 75% of the context window
    protect_first: 3                  # messages kept verbatim at the start
    protect_last: 20                  # ... and at the end

retry:
  max_retries: 2                      # retries of transient failures on one route
  auth_retries: 2                     # retries of a 401/403 on a key that has worked before
  base_delay: 250ms
  max_delay: 4s
  max_wait: 2s                        # longest wait for a rate-limited key to come back

credentials:
  strategy: fill_first                # fill_first | round_robin | least_used | random | most_headroom

cooldowns:
  rate_limited: 60s                   # when the server gives no reset time
  quota: 1h
  auth_suspect: 5m
  rejected: 1h                        # longest wait between a rejected key's probes

# Budgets and limits (docs/budgets.md). Each covers one thing — client_key: NAME (a gateway key), task: NAME,
# provider: NAME (with model: M for one route, or credential: ID for one key), or all: true — with limits on
# requests, tokens or usd per minute, hour, day, week or month (UTC windows). Over a client key's, a task's or
# everything's budget a request is refused (429); a provider's, route's or key's is skipped like a cooling key;
# soft: true serves and warns. Side tasks get budgets of their own so that titles and compression cannot eat the
# main chat's quota:
budgets:
  titles:
    task: title_generation
    tokens: { day: 200000 }
    requests: { minute: 30 }
  summaries:
    task: compression
    tokens: { day: 2000000 }
  # A gateway client key (\`switchyard gateway keys create my-app\`), in USD at the routes' prices (the built-in
  # table, or providers.P.models.M.price), and one key holding $20 of credit (its ID as \`switchyard auth list\` shows):
  # app-spend: { client_key: my-app, usd: { month: 20, day: 2 } }
  # mimo-credit: { provider: mimo, credential: 3f9a1c, usd: { month: 20 } }

gateway:
  listen: 127.0.0.1:4141
  state: sqlite                       # sqlite (embedded) | redis://host:port/db | redis+cluster://h:p,h:p | redis+sentinel://h:p,h:p/MASTER
  admin_key: \${SWITCHYARD_ADMIN_KEY}  # unset = admin endpoints off
  # aliases:                          # client model names → a task or provider/model (clients such as Claude Code
  #   claude-*: main                  #   and Codex send names of their own); * and ? are patterns: an exact name wins,
  #   gpt-5*: main                    #   then the longest pattern; "*" is the default for any other name
  #   claude-haiku-4-5: claude/claude-haiku-4-5
  #   "*": main
`;
