// A credential's health as a row of cells: the Keys view shows a provider's keys and the MCP view a server's with the
// same columns, so both render them from here (each adds its own columns around them).
import { html } from 'htm/preact';
import { clock } from '../api.ts';

/** A key as `/ui/api/keys` and `/ui/api/mcp` both say it (each view's key type adds what only it shows). */
export interface KeyHealth {
  id: string;
  masked: string;
  label?: string;
  sources: { kind: string; where: string }[];
  state: 'ok' | 'cooling' | 'rejected';
  reason: string | null;
  until: string | null;
  why: string | null;
  last_success_at: string | null;
  successes: number;
  failures: number;
}

/** The columns' headers, in the order `keyCells` fills them. */
export const KEY_HEADERS = ['Key', 'Source', 'State', 'Until', 'Why', 'Last success', 'OK / failed'] as const;

export function keyHeaderCells() {
  return KEY_HEADERS.map((h) => html`<th>${h}</th>`);
}

function stateText(k: KeyHealth): string {
  if (k.state === 'ok') return 'ok';
  return k.reason ? `${k.state} (${k.reason})` : k.state;
}

/** `stateRole` names the state's badge for the view's tests and scripts (`state` on Keys, `key-state` on MCP). */
export function keyCells(k: KeyHealth, stateRole: string) {
  return html`<td><code>${k.masked}</code>${k.label ? html` <small>${k.label}</small>` : ''}</td>
    <td>${k.sources.map((s) => s.where).join(', ')}</td>
    <td><span class=${`badge ${k.state}`} data-role=${stateRole}>${stateText(k)}</span></td>
    <td>${clock(k.until)}</td>
    <td class="why">${k.why ?? ''}</td>
    <td>${clock(k.last_success_at)}</td>
    <td>${k.successes} / ${k.failures}</td>`;
}
