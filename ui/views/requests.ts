// Requests: the usage ledger, newest first, filtered and paged by the server (one query per page); a row opens its
// attempts (the ledger's charges) and, while recent, each attempt's message and the explanation the caller got. MCP
// tool calls through /mcp are rows beside the model calls (their tool in place of a route, bytes in place of tokens).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { clock, get, may, post } from '../api.ts';

interface Charge {
  route: string;
  key: string;
  outcome: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  estimated: boolean;
}

interface Row {
  id: string;
  at: string;
  client_key: string;
  /** The end user behind the key, as the ledger keeps it (docs/gateway.md#end-users); absent: none named. */
  user?: string;
  task: string;
  model: string;
  route: string;
  /** What to say instead of an empty route when none answered (src/gateway/ui/ledger-views.ts). */
  route_note: string;
  key: string;
  attempts: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  status: string;
  failure_kind: string;
  latency_ms: number;
  charges: Charge[];
  /** An MCP tool call's server, tool and bytes (docs/usage.md#tool-calls); absent on a model call. */
  mcp_server?: string;
  tool?: string;
  request_bytes?: number;
  response_bytes?: number;
  /** What the secrets guard did to the request (docs/guard.md): block, redact or log; absent when it found none. */
  guard?: string;
}

/** The secrets guard's action as the Requests view says it. */
const GUARD_WORDS: Readonly<Record<string, string>> = {
  redact: 'secret redacted',
  block: 'secret blocked',
  log: 'secret seen',
};

/** One advice of the explanation (src/gateway/ui/advice-view.ts): its words, and the dashboard's button for it. */
interface AdviceView {
  kind: string;
  text: string;
  act?: { action: 'reset'; provider: string };
}

interface Trail {
  outcome: string;
  error?: string;
  explained?: { headline: string; detail?: string; advice: AdviceView[] };
  /** A line per route the call failed on. */
  routes?: { route: string; kind: string; text: string }[];
  attempts: {
    route: string;
    key?: string;
    outcome: string;
    status?: number;
    latency_ms: number;
    wait_ms: number;
    message?: string;
    note?: string;
  }[];
}

const FILTERS = ['kind', 'status', 'client_key', 'user', 'task', 'route', 'key', 'since', 'until'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

function money(n: number | null): string {
  return n === null ? '—' : `$${n.toFixed(n < 0.01 ? 5 : 3)}`;
}

type Attempt = Trail['attempts'][number];

/** Each attempt of the trail with its charge, when it was billed: the ledger keeps charges for billed attempts only,
 * so they are matched by route, key and outcome, in order (not by position). */
/** An attempt's badge: answered, sent again as it was meant to be (max_tokens lowered, a stale connection replaced:
 * not failures of the route), or failed. */
function attemptBadge(outcome: string): string {
  if (outcome === 'ok') return 'ok';
  return outcome === 'max_tokens_clamped' || outcome === 'stale_connection' ? 'resent' : 'failed';
}

function withCharges(attempts: Attempt[], charges: Charge[]): { a: Attempt; c: Charge | undefined }[] {
  const left = [...charges];
  return attempts.map((a) => {
    const i = left.findIndex((c) => c.route === a.route && c.key === a.key && c.outcome === a.outcome);
    return { a, c: i === -1 ? undefined : left.splice(i, 1)[0] };
  });
}

/** What the caller was told: with a line per route when the call failed on its routes, else its words as they are. */
function Explanation({ trail }: { trail: Trail }) {
  const routes = trail.routes ?? [];
  if (routes.length === 0)
    return trail.error ? html`<p class="warn explanation" data-role="explanation">${trail.error}</p>` : '';
  return html`<div class="explanation" data-role="explanation">
    ${routes.length > 1 ? html`<p class="warn">Every route failed:</p>` : ''}
    <ol class="routes">
      ${routes.map(
        (r) =>
          html`<li data-route=${r.route}>
            <code>${r.route}</code> <span class="badge failed">${r.kind}</span> <span class="warn">${r.text}</span>
          </li>`,
      )}
    </ol>
  </div>`;
}

/** What to do, one advice a line; a key's reset is done here as the Keys view does it. */
function Advice({ advice }: { advice: AdviceView[] }) {
  const [done, setDone] = useState('');
  const reset = (provider: string): void => {
    post(`/ui/api/keys/${encodeURIComponent(provider)}/reset`, {}).then(
      () => setDone(`${provider}'s keys reset`),
      (err: Error) => setDone(err.message),
    );
  };
  if (advice.length === 0) return '';
  return html`<ul class="advice" data-role="advice">
      ${advice.map(
        (a) =>
          html`<li data-advice=${a.kind}>
            ${a.text}
            ${
              a.act?.action === 'reset' && may('reset')
                ? html` <button data-action="reset" onClick=${() => reset(a.act!.provider)}>Reset</button>`
                : ''
            }
          </li>`,
      )}
    </ul>
    ${done ? html`<p class="quiet">${done}</p>` : ''}`;
}

function bytes(n: number | undefined): string {
  const b = n ?? 0;
  return b < 1024 ? `${b} B` : `${(b / 1024).toFixed(1)} KiB`;
}

function toolSummary(row: Row): string {
  const sent = `${bytes(row.request_bytes)} sent, ${bytes(row.response_bytes)} back`;
  // Starts with its own ": ": htm drops the space at a line break before an interpolation.
  return `: ${row.status}, ${sent}, in ${Math.round(row.latency_ms)} ms`;
}

/** A tool call's detail: what the ledger keeps of it (never its arguments or result). */
function ToolDetail({ row }: { row: Row }) {
  return html`<tr class="detail" data-detail=${row.id}>
    <td colspan="10">
      <p data-role="tool-call">
        Tool <code>${row.tool}</code> of MCP server <code>${row.mcp_server}</code>${toolSummary(row)}${
          row.key ? html`, with the server's credential <code>${row.key}</code>` : ''
        }.
      </p>
      <p class="quiet">Arguments and results are not kept.</p>
    </td>
  </tr>`;
}

/** A tool call's row: its tool where a model call has its route, bytes where it has tokens. */
function ToolRow({ r, onClick }: { r: Row; onClick: () => void }) {
  return html`<tr class="clickable" data-request=${r.id} data-status=${r.status} data-kind="tool" onClick=${onClick}>
    <td>${clock(r.at)}</td>
    <td><span class=${`badge ${r.status === 'ok' ? 'ok' : 'failed'}`}>${r.status}</span></td>
    <td>${r.client_key}${r.user ? html` <small data-role="user">${r.user}</small>` : ''}</td>
    <td><small>tool call</small></td>
    <td data-role="route"><code>${r.mcp_server}__${r.tool}</code></td>
    <td>${r.key ? html`<code>${r.key}</code>` : html`<small>none</small>`}</td>
    <td>${r.attempts}</td>
    <td>${bytes(r.request_bytes)} / ${bytes(r.response_bytes)}</td>
    <td data-role="cost"><small>not billed</small></td>
    <td>${Math.round(r.latency_ms)} ms</td>
  </tr>`;
}

function Detail({ row }: { row: Row }) {
  const [trail, setTrail] = useState<Trail | null | undefined>();
  useEffect(() => {
    get<{ trail: Trail | null }>(`/ui/api/requests/${encodeURIComponent(row.id)}/trail`).then(
      (r) => setTrail(r.trail),
      () => setTrail(null),
    );
  }, [row.id]);
  return html`<tr class="detail" data-detail=${row.id}>
    <td colspan="10">
      ${trail ? html`<${Explanation} trail=${trail} />` : ''}
      ${trail?.explained ? html`<${Advice} advice=${trail.explained.advice} />` : ''}
      <table class="trail" data-role="trail">
        <thead>
          <tr>
            <th>#</th>
            <th>Route</th>
            <th>Key</th>
            <th>Outcome</th>
            <th>HTTP</th>
            <th>Latency</th>
            <th>Message</th>
            <th>Tokens</th>
            <th>Cost</th>
          </tr>
        </thead>
        <tbody>
          ${(trail ? withCharges(trail.attempts, row.charges) : row.charges.map((c) => ({ a: undefined, c }))).map(
            ({ a, c }, i) => {
              const route = a?.route ?? c?.route ?? '';
              const key = a?.key ?? c?.key;
              const outcome = a?.outcome ?? c?.outcome ?? '';
              return html`<tr>
                <td>${i + 1}</td>
                <td class="route"><code>${route}</code></td>
                <td>${key ? html`<code>${key}</code>` : html`<small>not sent</small>`}</td>
                <td><span class=${`badge ${attemptBadge(outcome)}`}>${outcome}</span></td>
                <td>${a?.status ?? ''}</td>
                <td>${a ? `${Math.round(a.latency_ms)} ms${a.wait_ms ? ` (+${a.wait_ms} ms wait)` : ''}` : ''}</td>
                <td class="why">${a?.message ?? ''}${a?.note ? ` (${a.note})` : ''}</td>
                <td>${c ? `${c.input_tokens} / ${c.output_tokens}${c.estimated ? ' est.' : ''}` : ''}</td>
                <td>${c ? money(c.cost_usd) : ''}</td>
              </tr>`;
            },
          )}
        </tbody>
      </table>
      ${
        trail === null && row.status !== 'ok'
          ? html`<p class="quiet">
              Only the attempts' outcomes are kept for older requests; the gateway's log line for ${row.id} has the
              message.
            </p>`
          : ''
      }
    </td>
  </tr>`;
}

export function RequestsView() {
  const [filters, setFilters] = useState<Filters>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<{ rows: Row[]; next?: string } | undefined>();
  const [open, setOpen] = useState<string | undefined>();
  const [error, setError] = useState('');
  const before = cursors.at(-1);
  useEffect(() => {
    const q = new URLSearchParams();
    for (const k of FILTERS) {
      const v = filters[k];
      if (v) q.set(k, k === 'since' || k === 'until' ? new Date(v).toISOString() : v);
    }
    if (before) q.set('before', before);
    get<{ rows: Row[]; next?: string }>(`/ui/api/requests?${q}`).then(
      (p) => {
        setPage(p);
        setError('');
      },
      (err: unknown) => setError(String(err)),
    );
  }, [filters, before]);
  const onFilter = (e: Event): void => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const next: Filters = {};
    for (const k of FILTERS) {
      const v = form.get(k);
      if (typeof v === 'string' && v !== '') next[k] = v;
    }
    setCursors([]);
    setFilters(next);
  };
  const input = (name: string, label: string, type = 'text') =>
    html`<label>${label}<input name=${name} type=${type} value=${filters[name as keyof Filters] ?? ''} /></label>`;
  return html`<section class="card">
    <h2>Requests</h2>
    <form class="filters" onSubmit=${onFilter}>
      <label
        >Kind<select name="kind" value=${filters.kind ?? ''}>
          <option value="">all</option>
          <option value="model">model calls</option>
          <option value="tool">tool calls</option>
        </select></label
      >
      ${input('status', 'Status (ok, rate_limited, …)')} ${input('client_key', 'Client key')}
      ${input('user', 'End user')} ${input('task', 'Task')} ${input('route', 'Route')} ${input('key', 'Key ID')}
      ${input('since', 'Since', 'datetime-local')} ${input('until', 'Until', 'datetime-local')}
      <label>${'\u00a0'}<button type="submit">Filter</button></label>
    </form>
    ${error ? html`<p class="warn">${error}</p>` : ''}
    <table data-role="requests">
      <thead>
        <tr>
          <th>Time</th>
          <th>Status</th>
          <th>Client key (user)</th>
          <th>Task</th>
          <th>Route</th>
          <th>Key</th>
          <th>Attempts</th>
          <th>Tokens in / out</th>
          <th>Cost</th>
          <th>Latency</th>
        </tr>
      </thead>
      <tbody>
        ${
          page?.rows.length === 0
            ? html`<tr>
                <td colspan="10" class="quiet">No request matches.</td>
              </tr>`
            : ''
        }
        ${(page?.rows ?? []).map((r) =>
          r.tool !== undefined
            ? html`<${ToolRow} r=${r} onClick=${() => setOpen(open === r.id ? undefined : r.id)} />
                ${open === r.id ? html`<${ToolDetail} row=${r} />` : ''}`
            : html`<tr
                  class="clickable"
                  data-request=${r.id}
                  data-status=${r.status}
                  onClick=${() => setOpen(open === r.id ? undefined : r.id)}
                >
                  <td>${clock(r.at)}</td>
                  <td>
                    <span class=${`badge ${r.status === 'ok' ? 'ok' : 'failed'}`}>${r.status}</span
                    >${r.failure_kind && r.status === 'ok' ? html` <small>after ${r.failure_kind}</small>` : ''}${
                      r.guard ? html` <small data-role="guard">${GUARD_WORDS[r.guard] ?? r.guard}</small>` : ''
                    }
                  </td>
                  <td>${r.client_key}${r.user ? html` <small data-role="user">${r.user}</small>` : ''}</td>
                  <td>${r.task}</td>
                  <td data-role="route">
                    ${r.route ? html`<code>${r.route}</code>` : html`<small>${r.route_note}</small>`}
                  </td>
                  <td>${r.key ? html`<code>${r.key}</code>` : html`<small>none</small>`}</td>
                  <td>${r.attempts}</td>
                  <td>${r.input_tokens} / ${r.output_tokens}</td>
                  <td data-role="cost">
                    ${r.charges.length > 0 ? money(r.cost_usd) : html`<small>not billed</small>`}
                  </td>
                  <td>${Math.round(r.latency_ms)} ms</td>
                </tr>
                ${open === r.id ? html`<${Detail} row=${r} />` : ''}`,
        )}
      </tbody>
    </table>
    <p class="pager">
      <button class="quiet" disabled=${cursors.length === 0} onClick=${() => setCursors(cursors.slice(0, -1))}>
        ← Newer
      </button>
      <button
        class="quiet"
        disabled=${!page?.next}
        data-action="older"
        onClick=${() => page?.next && setCursors([...cursors, page.next])}
      >
        Older →
      </button>
    </p>
  </section>`;
}
