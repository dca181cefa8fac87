// Keys: every provider's credentials, their state and why, updated live from the gateway's event stream; reset and
// refresh as `auth reset` and `auth refresh` do.
import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { clock, get, may, post } from '../api.ts';
import { keyCells, keyHeaderCells, type KeyHealth } from './key-cells.ts';

interface Key extends KeyHealth {
  usable: boolean;
  last_failure_kind: string | null;
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

/** One minted source's refresh, as `auth refresh --json` gives it (credentials/minted/refresh.ts). */
interface Refreshed {
  id: string;
  ok: boolean;
  error?: string;
}

/** A failed mint says why, in the words `auth refresh` prints. */
function refreshedNote(r: Refreshed): string {
  return r.ok ? `refreshed ${r.id}` : `${r.id}: could not mint a token: ${r.error ?? ''}`;
}

function KeyRow({ k, onReset }: { k: Key; onReset: (id: string) => void }) {
  return html`<tr data-key=${k.id} data-state=${k.state}>
    <td>${k.next ? '→' : ''}${k.position ?? k.task ?? ''}</td>
    ${keyCells(k, 'state')}
    <td>
      ${
        k.state !== 'ok' && may('reset')
          ? html`<button data-action="reset" onClick=${() => onReset(k.id)}>Reset</button>`
          : ''
      }
    </td>
  </tr>`;
}

function ProviderCard({ p, reload }: { p: Provider; reload: () => void }) {
  const [note, setNote] = useState('');
  const act = async <T>(path: string, body: unknown, done: (answer: T) => string): Promise<void> => {
    try {
      setNote(done(await post<T>(path, body)));
    } catch (err) {
      setNote(String(err instanceof Error ? err.message : err));
    }
    reload();
  };
  const reset = (id?: string): Promise<void> =>
    act(`/ui/api/keys/${encodeURIComponent(p.provider)}/reset`, id ? { id } : {}, () =>
      id ? `reset ${id}` : 'reset all',
    );
  const refresh = (id: string): Promise<void> =>
    act<{ results: Refreshed[] }>(`/ui/api/keys/${encodeURIComponent(p.provider)}/refresh`, { id }, (answer) =>
      answer.results.map(refreshedNote).join('; '),
    );
  return html`<section class="card" data-provider=${p.provider}>
    <h2>${p.provider} <small>${p.type} · ${p.strategy} · breaker ${p.breaker}</small></h2>
    <p class="summary">${p.summary}</p>
    ${p.warnings.map((w) => html`<p class="warn">${w}</p>`)}
    <table>
      <thead>
        <tr>
          <th>#</th>
          ${keyHeaderCells()}
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
                    ${
                      may('refresh')
                        ? html`<button data-action="refresh" onClick=${() => refresh(m.id)}>Refresh</button>`
                        : ''
                    }
                  </li>`,
              )}
            </ul>`
        : ''
    }
    <p class="actions">
      ${may('reset') ? html`<button data-action="reset-all" onClick=${() => reset()}>Reset all keys</button>` : ''}
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
