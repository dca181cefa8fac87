// Keys: every provider's credentials, their state and why, updated live from the gateway's event stream; reset and
// refresh as `auth reset` and `auth refresh` do.
import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { clock, get, post } from '../api.ts';

interface Key {
  id: string;
  masked: string;
  label?: string;
  sources: { kind: string; where: string }[];
  state: 'ok' | 'cooling' | 'rejected';
  reason: string | null;
  until: string | null;
  usable: boolean;
  why: string | null;
  last_success_at: string | null;
  last_failure_kind: string | null;
  successes: number;
  failures: number;
  position?: number;
  next?: boolean;
  task?: string;
}

interface Minted {
  id: string;
  source: string;
  setting: string;
  minted_at?: string;
  mint_reason?: string;
  expires_at?: string;
  error?: string;
}

interface Provider {
  provider: string;
  type: string;
  strategy: string;
  summary: string;
  breaker: string;
  keys: Key[];
  task_keys: Key[];
  minted: Minted[];
  warnings: string[];
}

interface Live {
  type: string;
  provider?: string;
  key?: string;
  detail?: string;
  at: string;
}

function stateText(k: Key): string {
  if (k.state === 'ok') return 'ok';
  return k.reason ? `${k.state} (${k.reason})` : k.state;
}

function KeyRow({ k, onReset }: { k: Key; onReset: (id: string) => void }) {
  return html`<tr data-key=${k.id} data-state=${k.state}>
    <td>${k.next ? '→' : ''}${k.position ?? k.task ?? ''}</td>
    <td><code>${k.masked}</code>${k.label ? html` <small>${k.label}</small>` : ''}</td>
    <td>${k.sources.map((s) => s.where).join(', ')}</td>
    <td><span class=${`badge ${k.state}`} data-role="state">${stateText(k)}</span></td>
    <td>${clock(k.until)}</td>
    <td class="why">${k.why ?? ''}</td>
    <td>${clock(k.last_success_at)}</td>
    <td>${k.successes} / ${k.failures}</td>
    <td>${k.state !== 'ok' ? html`<button data-action="reset" onClick=${() => onReset(k.id)}>Reset</button>` : ''}</td>
  </tr>`;
}

function ProviderCard({ p, reload }: { p: Provider; reload: () => void }) {
  const [note, setNote] = useState('');
  const act = async (path: string, body: unknown, done: string): Promise<void> => {
    try {
      await post(path, body);
      setNote(done);
    } catch (err) {
      setNote(String(err instanceof Error ? err.message : err));
    }
    reload();
  };
  const reset = (id?: string): Promise<void> =>
    act(`/ui/api/keys/${encodeURIComponent(p.provider)}/reset`, id ? { id } : {}, id ? `reset ${id}` : 'reset all');
  return html`<section class="card" data-provider=${p.provider}>
    <h2>${p.provider} <small>${p.type} · ${p.strategy} · breaker ${p.breaker}</small></h2>
    <p class="summary">${p.summary}</p>
    ${p.warnings.map((w) => html`<p class="warn">${w}</p>`)}
    <table>
      <thead>
        <tr>
          <th>#</th>
          <th>Key</th>
          <th>Source</th>
          <th>State</th>
          <th>Until</th>
          <th>Why</th>
          <th>Last success</th>
          <th>OK / failed</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${p.keys.map((k) => html`<${KeyRow} k=${k} onReset=${reset} />`)}
        ${p.task_keys.map((k) => html`<${KeyRow} k=${k} onReset=${reset} />`)}
      </tbody>
    </table>
    ${
      p.minted.length > 0
        ? html`<h3>Minted tokens</h3>
            <ul class="minted">
              ${p.minted.map(
                (m) =>
                  html`<li data-minted=${m.id}>
                    <code>${m.id}</code> ${m.source} (${m.setting}):
                    ${m.minted_at ? ` minted ${clock(m.minted_at)}${m.mint_reason ? ` (${m.mint_reason})` : ''}` : ' not minted yet'}
                    ${m.expires_at ? `; expires ${clock(m.expires_at)}` : ''}
                    ${m.error ? html`; <span class="warn">last mint failed: ${m.error}</span>` : ''}
                    <button
                      onClick=${() => act(`/ui/api/keys/${encodeURIComponent(p.provider)}/refresh`, { id: m.id }, `refreshed ${m.id}`)}
                    >
                      Refresh
                    </button>
                  </li>`,
              )}
            </ul>`
        : ''
    }
    <p class="actions">
      <button data-action="reset-all" onClick=${() => reset()}>Reset all keys</button>
      <span class="note" role="status">${note}</span>
    </p>
  </section>`;
}

export function KeysView() {
  const [providers, setProviders] = useState<Provider[] | undefined>();
  const [error, setError] = useState('');
  const [live, setLive] = useState<Live[]>([]);
  const pending = useRef<number | undefined>(undefined);
  const load = useCallback(() => {
    get<{ providers: Provider[] }>('/ui/api/keys').then(
      (r) => {
        setProviders(r.providers);
        setError('');
      },
      (err: unknown) => setError(String(err)),
    );
  }, []);
  useEffect(() => {
    load();
    const source = new EventSource('/ui/api/events');
    source.onmessage = (m: MessageEvent<string>) => {
      const e = JSON.parse(m.data) as Omit<Live, 'at'>;
      setLive((l) => [{ ...e, at: new Date().toISOString() }, ...l].slice(0, 12));
      // Many events arrive together (a request's attempts): one fetch for them all.
      clearTimeout(pending.current);
      pending.current = window.setTimeout(load, 150);
    };
    // A cooldown runs out without an event: look again now and then.
    const tick = window.setInterval(load, 10_000);
    return () => {
      source.close();
      clearInterval(tick);
      clearTimeout(pending.current);
    };
  }, [load]);
  if (error) return html`<p class="warn">${error}</p>`;
  if (!providers) return html`<p>Loading…</p>`;
  return html`<div class="keys">
    ${providers.map((p) => html`<${ProviderCard} p=${p} reload=${load} />`)}
    <section class="card">
      <h2>Live</h2>
      <ul class="live" data-role="live">
        ${live.length === 0 ? html`<li class="quiet">waiting for requests…</li>` : ''}
        ${live.map(
          (e) =>
            html`<li><time>${clock(e.at)}</time> ${e.type} ${e.provider ?? ''} ${e.key ?? ''} ${e.detail ?? ''}</li>`,
        )}
      </ul>
    </section>
  </div>`;
}
