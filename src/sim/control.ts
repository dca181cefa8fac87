// The control API (/_sim/*), for driving a simulator from another process (docs/simulator.md#control-api).
import type { IncomingMessage } from 'node:http';
import { UserError } from '../user-error.ts';
import type { HttpReply } from './errors.ts';
import { parseScenarioText } from './scenario-load.ts';
import type { Scenario } from './scenario.ts';
import type { CallBook } from './call-book.ts';
import type { OAuthEndpoint } from './fronts/oauth2/service.ts';
import { readBody } from './request.ts';
import type { StsEndpoint } from './fronts/sts/service.ts';
import { STEPS, type StepName } from './steps.ts';
import type { HeldCalls } from './holds.ts';

export interface ControlTarget {
  book: CallBook;
  held: Pick<HeldCalls, 'size' | 'release'>;
  oauth: Pick<OAuthEndpoint, 'counts' | 'invalidate'>;
  sts: Pick<StsEndpoint, 'counts' | 'expireAll'>;
  regions(): Record<string, StepName>;
  setRegions(regions: Record<string, StepName>): void;
  scenario(): Scenario;
  setScenario(scenario: Scenario): void;
  reset(): void;
}

const json = (status: number, value: unknown): HttpReply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(value),
});

type Handler = (req: IncomingMessage, url: URL, target: ControlTarget) => HttpReply | Promise<HttpReply>;

/** Each control route and the methods it answers; HEAD is answered wherever GET is (as HTTP expects). */
const ROUTES: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  '/_sim/calls': { GET: (_req, url, target) => json(200, callsView(url, target.book)) },
  '/_sim/reset': {
    POST: (_req, _url, target) => {
      target.reset();
      return json(200, { ok: true });
    },
  },
  '/_sim/held': { GET: (_req, _url, target) => json(200, { held: target.held.size }) },
  '/_sim/release': { POST: (_req, _url, target) => json(200, { released: target.held.release() }) },
  '/_sim/oauth2': { GET: (_req, _url, target) => json(200, { clients: target.oauth.counts() }) },
  '/_sim/oauth2/invalidate': {
    POST: (_req, url, target) => {
      const client = url.searchParams.get('client');
      if (client === null)
        return json(400, {
          error: { message: 'name the client: POST /_sim/oauth2/invalidate?client=ID', type: 'invalid_request' },
        });
      return json(200, { invalidated: target.oauth.invalidate(client) });
    },
  },
  '/_sim/sts': { GET: (_req, _url, target) => json(200, target.sts.counts()) },
  '/_sim/sts/expire': {
    POST: (_req, _url, target) => json(200, { expired: target.sts.expireAll(Date.now()) }),
  },
  '/_sim/regions': {
    GET: (_req, _url, target) => json(200, target.regions()),
    PUT: async (req, _url, target) => replaceRegions(await readBody(req), target),
  },
  '/_sim/scenario': {
    GET: (_req, _url, target) => json(200, target.scenario()),
    PUT: async (req, _url, target) => replaceScenario(await readBody(req), target),
  },
};

export async function control(req: IncomingMessage, url: URL, target: ControlTarget): Promise<HttpReply> {
  const method = req.method ?? 'GET';
  const methods = ROUTES[url.pathname];
  const handler = methods?.[method === 'HEAD' ? 'GET' : method];
  if (handler) return handler(req, url, target);
  // Nothing below reads the body; drained, a client still sending one gets the answer rather than a broken pipe.
  await readBody(req);
  if (!methods)
    return json(404, {
      error: { message: `unknown control route ${method} ${url.pathname}; see docs/simulator.md`, type: 'not_found' },
    });
  return methodNotAllowed(method, url.pathname, allowed(methods));
}

/** A route's methods as `Allow` lists them: HEAD after GET, where GET is. */
function allowed(methods: Readonly<Record<string, Handler>>): string[] {
  return Object.keys(methods).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
}

/** 405, as HTTP has it (with `Allow`), in the body shape of the other control errors: a 404 would tell the user
 * that a path they spelt right does not exist, and not which method it wants. */
function methodNotAllowed(method: string, path: string, allow: string[]): HttpReply {
  const message = `${method} is not allowed on ${path}; it answers ${allow.join(', ')} (see docs/simulator.md)`;
  return { ...json(405, { error: { message, type: 'method_not_allowed' } }), headers: { allow: allow.join(', ') } };
}

function callsView(url: URL, book: CallBook): unknown {
  const key = url.searchParams.get('key') ?? undefined;
  const model = url.searchParams.get('model') ?? undefined;
  const withLog = url.searchParams.get('log') === '1';
  const view: Record<string, unknown> =
    key !== undefined || model !== undefined ? { count: book.calls(key, model) } : { ...book.summary() };
  if (withLog) view['log'] = book.log(key, model);
  return view;
}

/** `{"us-east-1": "503", "us-west-2": "429"}`: each region's step from now on (`{}` brings every region back). */
const isStep = (s: string): s is StepName => Object.hasOwn(STEPS, s);

function replaceRegions(text: string, target: ControlTarget): HttpReply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const bad = (message: string): HttpReply => json(400, { error: { message, type: 'invalid_regions' } });
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return bad('send a JSON object of region → step, such as {"us-east-1": "503"} ({} for every region up)');
  const next: Record<string, StepName> = {};
  for (const [region, step] of Object.entries(parsed)) {
    if (typeof step !== 'string' || !isStep(step))
      return bad(`regions.${region}: ${JSON.stringify(step)} is not a step (one of ${Object.keys(STEPS).join(', ')})`);
    next[region] = step;
  }
  target.setRegions(next);
  return json(200, next);
}

function replaceScenario(text: string, target: ControlTarget): HttpReply {
  // Easily sent by mistake (`--data-binary "$(cat wrong-path)"`), and it would answer every key 401 from then on.
  if (text.trim() === '') {
    return json(400, {
      error: {
        message:
          'request body is empty: send the scenario as YAML or JSON (`{}` for the defaults, where every key is answered 401)',
        type: 'invalid_scenario',
      },
    });
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
  return json(200, {
    ok: true,
    models: Object.keys(target.scenario().models),
    keys: Object.keys(target.scenario().keys).length,
  });
}
