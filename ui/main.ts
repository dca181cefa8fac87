// The dashboard's shell: a tab per view, chosen by the URL's hash so a view can be linked to and reloaded.
import { html, render } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { KeysView } from './views/keys.ts';
import { TasksView } from './views/tasks.ts';
import { RequestsView } from './views/requests.ts';
import { UsageView } from './views/usage.ts';
import { McpView } from './views/mcp.ts';
import { labelCellsOf } from './cells.ts';
import { signedIn } from './api.ts';

const VIEWS = [
  ['keys', 'Keys', KeysView],
  ['tasks', 'Tasks', TasksView],
  ['requests', 'Requests', RequestsView],
  ['usage', 'Usage', UsageView],
  ['mcp', 'MCP', McpView],
] as const;

function current(): string {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  return VIEWS.some(([n]) => n === name) ? name : 'keys';
}

function App() {
  const [view, setView] = useState(current());
  useEffect(() => {
    const on = (): void => setView(current());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const View = VIEWS.find(([n]) => n === view)![2];
  const me = signedIn();
  return html`<header>
      <strong class="brand">Switchyard</strong>
      <nav>
        ${VIEWS.map(
          ([name, label]) =>
            html`<a href=${`#${name}`} class=${name === view ? 'active' : ''} data-view=${name}>${label}</a>`,
        )}
      </nav>
      <span class="who" data-role="signed-in">${me.who} <small data-role="role">${me.role}</small></span>
      <form method="post" action="/ui/logout"><button type="submit" class="quiet">Sign out</button></form>
    </header>
    <main><${View} /></main>`;
}

const app = document.getElementById('app')!;
render(html`<${App} />`, app);
// On a phone each table row is a card of labelled lines (style.css): the labels come from the tables' headers.
labelCellsOf(app);
