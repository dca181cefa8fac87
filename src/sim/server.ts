// The simulator's HTTP server, on plain node:http for socket-level control (resets, cuts, stalls): each request is
// served by its row of the route table (routes.ts); its endpoints are in docs/simulator.md#endpoints.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocketServer } from 'ws';
import { holdIdleConnections } from './idle-hold.ts';
import { readBody } from './request.ts';
import type { HttpReply } from './errors.ts';
import { localUrlFor } from '../config/listen.ts';
import { findRoute } from './route.ts';
import { ROUTES, unknownRoute } from './routes.ts';
import { Simulation } from './simulation.ts';
import { installResponsesSocket } from './fronts/responses/socket.ts';
import { socketTurns } from './fronts/responses/turns.ts';
import type { Scenario, ScenarioInput } from './scenario.ts';
import type { RunningSimulator, SimCallRecord } from './types.ts';

export { loadScenario, parseScenarioText, resolveScenario } from './scenario-load.ts';
export { scenarioSchema, type Scenario, type ScenarioInput } from './scenario.ts';

export interface SimulatorOptions {
  /** A scenario object, YAML text, or the path of a YAML file. */
  scenario: Scenario | ScenarioInput | string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port; read it from the handle). */
  port?: number;
  /** Called for every chat call, as it is decided, with the scenario it was decided by (the CLI prints them, keys
   * masked and told apart among that scenario's keys). */
  onCall?: (call: SimCallRecord, scenario: Scenario) => void;
  /** How long a Responses WebSocket connection lasts (default an hour, as OpenAI's): a test's shorter limit. */
  socketMaxMs?: number;
  /** Each call's record keeps the body's text as it came (`SimCallRecord.body`): for tests of what was sent. */
  keepBodies?: boolean;
}

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const sim = new Simulation(options.scenario, options.onCall);
  sim.keepBodies = options.keepBodies === true;
  const server = createServer((req, res) => {
    handle(sim, req, res).catch((err: unknown) => {
      // A bug in the simulator, not a scripted fault: say so plainly.
      if (!res.headersSent)
        send(res, {
          status: 500,
          contentType: 'text/plain',
          body: `simulator error: ${err instanceof Error ? err.message : String(err)}`,
        });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => socket.setNoDelay(true));
  holdIdleConnections(server);
  const sockets = installResponsesSocket(server, socketTurns(sim), options.socketMaxMs);
  await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const address = server.address() as AddressInfo;
  // A bind to every interface is reached on loopback, as the gateway prints it (0.0.0.0 is not connectable everywhere).
  const url = localUrlFor(address.address, address.port);
  return handleOf(sim, url, address.port, () => close(server, sim.closing, sockets));
}

/** What a caller holds of a running simulator. */
function handleOf(sim: Simulation, url: string, port: number, stop: () => Promise<void>): RunningSimulator {
  return {
    url,
    port,
    calls: (key, model) => sim.book.calls(key, model),
    served: () => sim.served,
    log: () => sim.book.log(),
    billed: (key) => sim.book.billed(key),
    reset: () => sim.reset(),
    setScenario: (next) => sim.setScenario(next),
    scenario: () => sim.scenario(),
    oauth2: () => sim.oauth.counts(),
    invalidateTokens: (client) => sim.oauth.invalidate(client),
    sts: () => sim.sts.counts(),
    expireSessions: () => sim.sts.expireAll(Date.now()),
    setRegions: (next) => sim.setRegions(next),
    close: stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Serves a request by its row of the route table, or says the path is not one the simulator serves. */
async function handle(sim: Simulation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const route = findRoute(ROUTES, req, url);
  if (route === undefined) {
    await readBody(req);
    return send(res, unknownRoute(req, url));
  }
  const reply = await route.serve({ req, res, url, sim });
  if (reply !== undefined) send(res, reply);
}

function send(res: ServerResponse, reply: HttpReply): void {
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting, ends pending waits, and drops every connection (hung `timeout` calls included). */
function close(server: Server, closing: AbortController, sockets: WebSocketServer): Promise<void> {
  closing.abort();
  for (const ws of sockets.clients) ws.terminate();
  sockets.close();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
