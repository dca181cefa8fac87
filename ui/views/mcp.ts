// MCP: each server behind /mcp — how it is reached (remote or a stdio child), where its connection stands (a child
// that keeps crashing is said as such, with its restarts and last error), its tools, and its keys masked with their
// health, as the Keys view shows a provider's.
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { clock, get } from '../api.ts';
import { keyCells, keyHeaderCells, type KeyHealth } from './key-cells.ts';

interface Server {
  server: string;
  transport: 'remote' | 'stdio';
  state: string;
  restarts: number | null;
  last_error: { message: string; at: string } | null;
  tools: number | null;
  keys: KeyHealth[];
}

/** What each connection state is called on the page, and the badge it wears. */
const STATES: Record<string, { text: string; badge: string }> = {
  connected: { text: 'connected', badge: 'ok' },
  idle: { text: 'not connected yet (at the first call)', badge: 'quiet' },
  failed: { text: 'failed to connect', badge: 'failed' },
  starting: { text: 'starting', badge: 'cooling' },
  restarting: { text: 'restarting', badge: 'cooling' },
  crash_looping: { text: 'crash-looping', badge: 'failed' },
  stopped: { text: 'stopped', badge: 'quiet' },
};

function stateOf(s: Server): { text: string; badge: string } {
  return STATES[s.state] ?? { text: s.state, badge: 'quiet' };
}

function ServerCard({ s }: { s: Server }) {
  const state = stateOf(s);
  return html`<section class="card" data-mcp-server=${s.server} data-state=${s.state}>
    <h2>
      ${s.server} <small data-role="transport">${s.transport}</small>${' '}
      <span class=${`badge ${state.badge}`} data-role="state">${state.text}</span>
    </h2>
    <p class="summary">
      <span data-role="tools">${s.tools === null ? 'tools: unknown until it answers' : `${s.tools} tools`}</span>
      ${s.restarts !== null ? html` · <span data-role="restarts">restarted ${s.restarts}×</span>` : ''}
    </p>
    ${
      s.last_error
        ? html`<p class="warn" data-role="last-error">last error ${clock(s.last_error.at)}: ${s.last_error.message}</p>`
        : ''
    }
    ${
      s.keys.length === 0
        ? html`<p class="quiet" data-role="no-keys">no credential: sent without an Authorization header</p>`
        : html`<table>
            <thead>
              <tr>
                ${keyHeaderCells()}
              </tr>
            </thead>
            <tbody>
              ${s.keys.map(
                (k) =>
                  html`<tr data-key=${k.id} data-state=${k.state}>
                    ${keyCells(k, 'key-state')}
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

export function McpView() {
  const [servers, setServers] = useState<Server[] | undefined>();
  const [error, setError] = useState('');
  const load = useCallback(() => {
    get<{ servers: Server[] }>('/ui/api/mcp').then(
      (r) => {
        setServers(r.servers);
        setError('');
      },
      (err: unknown) => setError(String(err)),
    );
  }, []);
  useEffect(() => {
    load();
    // A stdio child restarts and a key's cooldown runs out without an event: look again now and then.
    const tick = window.setInterval(load, 5_000);
    return () => clearInterval(tick);
  }, [load]);
  if (error) return html`<p class="warn">${error}</p>`;
  if (!servers) return html`<p>Loading…</p>`;
  if (servers.length === 0) return html`<p class="quiet">No MCP servers are configured (mcp.servers).</p>`;
  return html`<div class="mcp">${servers.map((s) => html`<${ServerCard} s=${s} />`)}</div>`;
}
