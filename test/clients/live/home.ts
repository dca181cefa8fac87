// The HOME the coding agents run in: their config files, pointing them at the gateway as docs/clients.md says, and
// nothing else of the user's. Kept under .tools/clients/home between runs (OpenCode caches the provider package it
// installs there); the config files are written afresh each run, for the recorder's port. They work in an empty
// directory outside any git repository (inside this one, Codex would report the clone as the user's workspace).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE } from './install.ts';

export const HOME = join(CACHE, 'home');
export const WORKDIR = join(tmpdir(), 'switchyard-clients-project');

export function prepareHome(gatewayUrl: string): void {
  // Sessions and logs of earlier runs would only make the first turn look different.
  for (const dir of ['.claude', '.claude.json', '.codex', '.config/opencode', '.local/share/opencode'])
    rmSync(join(HOME, dir), { recursive: true, force: true });
  rmSync(WORKDIR, { recursive: true, force: true });
  mkdirSync(WORKDIR, { recursive: true });
  write('.codex/config.toml', codexConfig(gatewayUrl));
  write('.config/opencode/opencode.json', `${JSON.stringify(opencodeConfig(gatewayUrl), null, 2)}\n`);
}

function write(rel: string, text: string): void {
  const path = join(HOME, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text, { mode: 0o600 });
}

/** docs/clients.md's Codex setup without Codex's own retries (it ignores x-should-retry and waits out every
 * Retry-After, 30 times): a provider of its own, over HTTP. The `websocket` cases use the built-in one instead. */
export function codexConfig(url: string): string {
  return [
    'model_provider = "switchyard"',
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[model_providers.switchyard]',
    'name = "Switchyard"',
    `base_url = "${url}/v1"`,
    'env_key = "SWITCHYARD_KEY"',
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n');
}

/** docs/clients.md's OpenCode setup: an OpenAI-compatible provider whose one model is the gateway's `main` task. */
export function opencodeConfig(url: string): Record<string, unknown> {
  return {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      switchyard: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Switchyard',
        options: { baseURL: `${url}/v1`, apiKey: '{env:SWITCHYARD_KEY}' },
        models: { main: { name: 'main (Switchyard)' } },
      },
    },
    model: 'switchyard/main',
    autoupdate: false,
    share: 'disabled',
  };
}
