#!/usr/bin/env bash
# Starts the simulator and a gateway on loopback, then sends one plain and one streamed request to each cloud type
# through the gateway (and a Claude Code-shaped stream offering a tool), printing `ok TYPE` for each that answered. Needs Node >= 22.18 (or ./dev run once) and
# curl; leaves nothing behind.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
node_bin="$(command -v node)"
[ -x "$root/.tools/node/bin/node" ] && node_bin="$root/.tools/node/bin/node"
sy() { "$node_bin" "$root/bin/switchyard.js" "$@"; }
free_port() { "$node_bin" -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

sim_port="$(free_port)"
gw_port="$(free_port)"
export SIM_URL="http://127.0.0.1:$sim_port"
export SA_FILE="$work/vertex-sa.json"
# Everything the gateway keeps (state, ledger) goes in the temporary directory.
export SWITCHYARD_HOME="$work/home" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config"

# A service account key file whose token_uri is the simulator's, and the scenario knowing its public key.
"$node_bin" - "$work" "$SIM_URL" "$here/scenario.yaml" <<'JS'
const { generateKeyPairSync } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const [work, sim, scenario] = process.argv.slice(2);
const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const email = 'switchyard@example-project.iam.gserviceaccount.com';
writeFileSync(`${work}/vertex-sa.json`, JSON.stringify({
  type: 'service_account', project_id: 'example-project', private_key_id: 'example', private_key: privateKey,
  client_email: email, token_uri: `${sim}/oauth2/token`,
}), { mode: 0o600 });
const indented = publicKey.trim().split('\n').map((l) => `        ${l}`).join('\n');
writeFileSync(`${work}/scenario.yaml`, readFileSync(scenario, 'utf8') +
  `oauth2:\n  clients:\n    ${email}:\n      public_key: |\n${indented}\n`);
JS
(umask 077; cp "$here/switchyard.yaml" "$work/switchyard.yaml")
# The AWS profiles Bedrock's keys come from: a role (config) assumed with the keys of another profile (credentials), at
# the simulator's STS, as `aws sts assume-role` would at AWS's.
export AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials" AWS_CONFIG_FILE="$work/aws-config"
export AWS_ENDPOINT_URL_STS="$SIM_URL"
(umask 077; cat >"$AWS_SHARED_CREDENTIALS_FILE") <<'INI'
[base]
aws_access_key_id = AKIAEXAMPLESOURCE001
aws_secret_access_key = exampleSecretAccessKey/0001+abcdefghijklmn
INI
cat >"$AWS_CONFIG_FILE" <<'INI'
[profile example]
role_arn = arn:aws:iam::123456789012:role/bedrock-caller
source_profile = base
region = us-east-1
INI

# Started as node itself, not through sy(): a backgrounded function is a subshell, and $! would be the subshell's pid,
# which cleanup's kill would end while leaving node running.
"$node_bin" "$root/bin/switchyard.js" sim --scenario "$work/scenario.yaml" --listen "127.0.0.1:$sim_port" --quiet \
  >"$work/sim.log" 2>&1 &
pids+=($!)
"$node_bin" "$root/bin/switchyard.js" --config "$work/switchyard.yaml" gateway --listen "127.0.0.1:$gw_port" \
  --log-format json >"$work/gateway.log" 2>&1 &
pids+=($!)
gw="http://127.0.0.1:$gw_port"
for _ in $(seq 120); do # at most 60 s for the gateway to say it is ready
  curl -sf "$gw/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "$gw/readyz" >/dev/null || { cat "$work/gateway.log" >&2; exit 1; }
ask() { # MODEL STREAM → the answer's body
  curl -sS --max-time 30 "$gw/v1/chat/completions" -H 'content-type: application/json' \
    -d "{\"model\":\"$1\",\"stream\":$2,\"messages\":[{\"role\":\"user\",\"content\":\"Hello from the clouds example\"}]}"
}
tools() { # MODEL → an Anthropic-shape (Claude Code's) streamed request offering a tool, as it answers
  curl -sS --max-time 30 "$gw/v1/messages" -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \
    -d "{\"model\":\"$1\",\"max_tokens\":512,\"stream\":true,\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}],\"messages\":[{\"role\":\"user\",\"content\":\"please call get_weather for Lisbon\"}]}"
}
check() { # TYPE MODEL...
  local type="$1"
  shift
  for model in "$@"; do
    local plain streamed text
    plain="$(ask "$model" false)"
    streamed="$(ask "$model" true)"
    # The streamed text is the deltas' contents joined.
    text="$(grep -o '"content":"[^"]*"' <<<"$streamed" | sed 's/^"content":"//; s/"$//' | tr -d '\n')"
    if ! grep -q 'reply to: Hello from the clouds example' <<<"$plain" ||
      ! grep -q 'data: \[DONE\]' <<<"$streamed" || ! grep -q 'reply to: Hello from the clouds example' <<<"$text"; then
      echo "FAILED $type ($model)" >&2
      echo "plain: $plain" >&2
      echo "streamed: $streamed" >&2
      exit 1
    fi
    # A Claude Code-shaped stream with a tool: the call comes back as a tool_use block, whatever the cloud.
    if ! tools "$model" | grep -q '"type":"tool_use","id":"[^"]*","name":"get_weather"'; then
      echo "FAILED $type ($model): no tool_use in the Anthropic-shape stream" >&2
      exit 1
    fi
  done
  echo "ok $type"
}
check azure azure/gpt-4o azure-v1/gpt-4o-mini
check gemini gemini/gemini-2.5-flash
check vertex vertex/claude-sonnet-4-5 vertex/gemini-2.5-pro
check bedrock bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0
# The assumed role's session expires (as after its hour): the next request meets ExpiredTokenException, the gateway
# assumes the role again and the request is answered all the same.
curl -sf -X POST "$SIM_URL/_sim/sts/expire" >/dev/null
check "bedrock after its session expired" bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0

# What each route cost, from the gateway's ledger (the clouds' own prices, found by provider type behind the
# simulator's URL).
sleep 1
sy --config "$work/switchyard.yaml" usage --by route >&2
