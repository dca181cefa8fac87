// Tasks: each task's chain as the next call would run it, every route with where it is set; budgets beside them.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { clock, get } from '../api.ts';
import { budgetAmounts } from '../amounts.ts';

interface Route {
  provider: string;
  model: string;
  origin: string;
  provider_from: string;
  model_from: string;
  invalid?: string;
}

interface Budget {
  budget: string;
  scope: string;
  resource: 'requests' | 'tokens' | 'usd' | 'calls';
  window: string;
  soft: boolean;
  limit: number;
  spent: number;
  reserved: number;
  remaining: number;
  resets_at: string;
  /** The shared store does not answer: this gateway holds budgets on its own since then. */
  held_locally_since?: string;
  /** The counter started at the usage ledger's spend for its window (a budget new to the config): said in words. */
  seeded?: { amount: number; at: string; note: string };
}

/** A `per_user` budget: a counter per user of its key, so no one row; where each user stands is a command's. */
interface PerUserBudget {
  budget: string;
  scope: string;
  resource: Budget['resource'];
  window: string;
  soft: boolean;
  limit: number;
  see: string;
}

/** `$5 per day for each user, counted apart; where each stands: …`, one string: htm drops a space at a line break
 * before an interpolation. */
function perUserWords(b: PerUserBudget): string {
  const each = b.resource === 'usd' ? `$${b.limit}` : `${b.limit.toLocaleString('en-US')} ${b.resource}`;
  return ` (${b.scope}): ${each} per ${b.window} for each user, counted apart; where each stands: `;
}

function PerUser({ budgets }: { budgets: PerUserBudget[] }) {
  if (budgets.length === 0) return '';
  return html`<ul class="per-user" data-role="per-user-budgets">
    ${budgets.map(
      (b) =>
        html`<li data-budget=${b.budget}>
          <code>${b.budget}</code>${b.soft ? html` <small>soft</small>` : ''}${perUserWords(b)}<code>${b.see}</code>
        </li>`,
    )}
  </ul>`;
}

function BudgetRow({ b }: { b: Budget }) {
  const used = b.limit > 0 ? Math.min(100, ((b.spent + b.reserved) / b.limit) * 100) : 0;
  const a = budgetAmounts(b.resource, b);
  return html`<tr data-budget=${b.budget} data-window=${b.window} data-resource=${b.resource}>
    <td><code>${b.budget}</code>${b.soft ? html` <small>soft</small>` : ''}</td>
    <td>${b.scope}</td>
    <td>${b.window}</td>
    <td data-role="spent">
      ${`${a.spent} of ${a.limit}`}${a.over ? html` <strong class="warn" data-role="over">over by ${a.over}</strong>` : ''}${b.reserved > 0 ? html` <small>(+${a.held} held)</small>` : ''}
      ${b.seeded !== undefined ? html`<br /><small data-role="seeded">${b.seeded.note}</small>` : ''}
    </td>
    <td>
      <div class="meter"><div class=${used >= 100 ? 'full' : ''} style=${{ width: `${used}%` }}></div></div>
    </td>
    <td>${a.left}</td>
    <td>${clock(b.resets_at)}</td>
  </tr>`;
}

/** Said above the table while Redis does not answer: the figures are this gateway's own book, not the shared ones. */
function heldLocally(budgets: Budget[]) {
  const since = budgets.find((b) => b.held_locally_since !== undefined)?.held_locally_since;
  if (since === undefined) return '';
  return html`<p class="warn" data-role="held-locally">
    Held locally since ${clock(since)}: the shared budget store (Redis) does not answer; this gateway holds each budget
    on its own book (<code>budgets.on_store_outage</code>) and adds what it spends to the shared counters when it is
    back.
  </p>`;
}

function Budgets({ budgets, perUser }: { budgets: Budget[]; perUser: PerUserBudget[] }) {
  return html`<section class="card" data-role="budgets">
    <h2>Budgets</h2>
    ${
      budgets.length === 0
        ? perUser.length === 0
          ? html`<p class="quiet">No budgets configured (<code>budgets:</code> in the config).</p>`
          : ''
        : html`${heldLocally(budgets)}
            <table>
              <thead>
                <tr>
                  <th>Budget</th>
                  <th>Covers</th>
                  <th>Window</th>
                  <th>Spent</th>
                  <th></th>
                  <th>Left</th>
                  <th>Resets</th>
                </tr>
              </thead>
              <tbody>
                ${budgets.map((b) => html`<${BudgetRow} b=${b} />`)}
              </tbody>
            </table>`
    }
    <${PerUser} budgets=${perUser} />
  </section>`;
}

interface Task {
  task: string;
  status: 'chain' | 'disabled';
  reason?: string;
  timeout_ms?: number;
  routes: Route[];
}

interface TasksData {
  tasks: Task[];
  budgets: Budget[];
  per_user_budgets: PerUserBudget[];
}

export function TasksView() {
  const [data, setData] = useState<TasksData | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    get<TasksData>('/ui/api/tasks').then(setData, (err: unknown) => setError(String(err)));
  }, []);
  if (error) return html`<p class="warn">${error}</p>`;
  if (!data) return html`<p>Loading…</p>`;
  const { tasks, budgets } = data;
  return html`<div class="tasks">
    <${Budgets} budgets=${budgets} perUser=${data.per_user_budgets} />
    ${tasks.map(
      (t) =>
        html`<section class="card" data-task=${t.task}>
          <h2>${t.task} ${t.timeout_ms !== undefined ? html`<small>timeout ${t.timeout_ms / 1000}s</small>` : ''}</h2>
          ${
            t.status === 'disabled'
              ? html`<p class="quiet">disabled: ${t.reason}</p>`
              : html`<table>
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>Route</th>
                      <th>Set by</th>
                      <th>Provider from</th>
                      <th>Model from</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${t.routes.map(
                      (r, i) =>
                        html`<tr data-route=${`${r.provider}/${r.model}`}>
                          <td>${i + 1}</td>
                          <td>
                            <code>${r.provider}/${r.model}</code
                            >${r.invalid ? html` <span class="warn">${r.invalid}</span>` : ''}
                          </td>
                          <td><code>${r.origin}</code></td>
                          <td>${r.provider_from}</td>
                          <td>${r.model_from}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
          }
        </section>`,
    )}
  </div>`;
}
