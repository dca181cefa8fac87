// The control API, for driving a simulator from another process (the CLI, a demo, a user's own checks):
//   GET  /_sim/calls[?key=K&model=M]   counts per key (or one count), `&log=1` adds the call log (of K, M)
//   POST /_sim/reset                   clear counts and per-key progress
//   GET  /_sim/scenario                the scenario in force (resolved, JSON)
//   PUT  /_sim/scenario                replace it (YAML or JSON body); 400 with a located message if invalid
import type { IncomingMessage } from 'node:http';
import { UserError } from '../errors/user-error.ts';
import type { HttpReply } from './errors.ts';
import { parseScenarioText } from './scenario-load.ts';
import type { Scenario } from './scenario.ts';
import type { CallBook } from './call-book.ts';
import { readBody } from './request.ts';

export interface ControlTarget {
  book: CallBook;
  scenario(): Scenario;
  setScenario(scenario: Scenario): void;
  reset(): void;
}

const json = (status: number, value: unknown): HttpReply => ({ status, contentType: 'application/json', body: JSON.stringify(value) });

export async function control(req: IncomingMessage, url: URL, target: ControlTarget): Promise<HttpReply> {
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  switch (route) {
    case 'GET /_sim/calls':
      return json(200, callsView(url, target.book));
    case 'POST /_sim/reset':
      target.reset();
      return json(200, { ok: true });
    case 'GET /_sim/scenario':
      return json(200, target.scenario());
    case 'PUT /_sim/scenario':
      return replaceScenario(await readBody(req), target);
    default:
      return json(404, { error: { message: `unknown control route ${route}; see docs/simulator.md`, type: 'not_found' } });
  }
}

function callsView(url: URL, book: CallBook): unknown {
  const key = url.searchParams.get('key') ?? undefined;
  const model = url.searchParams.get('model') ?? undefined;
  const withLog = url.searchParams.get('log') === '1';
  const view: Record<string, unknown> = key !== undefined || model !== undefined ? { count: book.calls(key, model) } : { ...book.summary() };
  if (withLog) view['log'] = book.log(key, model);
  return view;
}

function replaceScenario(text: string, target: ControlTarget): HttpReply {
  // Easily sent by mistake (`--data-binary "$(cat wrong-path)"`), and it would answer every key 401 from then on.
  if (text.trim() === '') {
    return json(400, { error: { message: 'request body is empty: send the scenario as YAML or JSON (`{}` for the defaults, where every key is answered 401)', type: 'invalid_scenario' } });
  }
  try {
    target.setScenario(parseScenarioText(text, 'request body'));
  } catch (err) {
    if (!UserError.isInstance(err)) throw err;
    // With several problems, `message` says how many and `details` lists each (file order); with one, `message`
    // is that problem and there are no details.
    const details = err.details.length > 0 ? { details: err.details } : {};
    return json(400, { error: { message: err.message, ...details, type: 'invalid_scenario' } });
  }
  return json(200, { ok: true, models: Object.keys(target.scenario().models), keys: Object.keys(target.scenario().keys).length });
}
