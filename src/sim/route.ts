// What a row of the simulator's route table is (routes.ts has the table), and how a request finds its row: the first
// whose method, path and condition it meets. A front door (fronts/<provider>/route.ts) exports its rows.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpReply } from './errors.ts';
import type { Simulation } from './simulation.ts';

/** A request the table matched, with what its handler serves it from. */
export interface RouteHit {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  sim: Simulation;
}

/** A handler answers on `res` itself (a call, streamed or not) or returns a whole reply for the server to send. */
export type RouteHandler = (hit: RouteHit) => Promise<HttpReply | void>;

export interface Route {
  /** `ANY` for a path that answers every method itself (`/_sim/…`). */
  method: 'GET' | 'POST' | 'ANY';
  /** The path: exact, or a pattern it matches whole. */
  path: string | RegExp;
  /** A further condition, where a path is shared (the Gemini API's model list is told from OpenAI's by its key). */
  when?: (req: IncomingMessage, url: URL) => boolean;
  serve: RouteHandler;
}

/** The first row `req` meets, in table order. */
export function findRoute(routes: readonly Route[], req: IncomingMessage, url: URL): Route | undefined {
  return routes.find(
    (route) =>
      (route.method === 'ANY' || route.method === req.method) &&
      (typeof route.path === 'string' ? route.path === url.pathname : route.path.test(url.pathname)) &&
      (route.when === undefined || route.when(req, url)),
  );
}
