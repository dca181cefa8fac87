// A failed call's message for a gateway's client is rendered from the router's explanation values with the gateway's
// commands, route by route, and a failure made of words only is said as it is. Asserts values, not wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callFailed, SwitchyardError, type RouteFailure } from '../../src/routing/errors.ts';
import { cliLine, explained, gatewayLine, type Explanation } from '../../src/errors/explanation.ts';
import { failureToApiError } from '../../src/gateway/answer/failure-map.ts';
import { CLI_COMMANDS, GATEWAY_COMMANDS } from '../../src/errors/advice.ts';

const notServed: Explanation = {
  headline: 'mimo has no model sim-huge',
  advice: [{ kind: 'list_models', requestNamed: true }],
};
const noKey: Explanation = {
  headline: 'no API key for kimi',
  advice: [{ kind: 'add_key', provider: 'kimi', count: 'one' }],
};

test("a gateway's error message renders each route's explanation value with the gateway's commands", () => {
  const failures: RouteFailure[] = [
    { route: 'mimo/sim-huge', kind: 'not_found', ...explained(notServed) },
    { route: 'kimi/k2', kind: 'auth_missing', ...explained(noKey) },
  ];
  const err = callFailed('main', failures, []);
  const message = failureToApiError(err, true).message;
  assert.ok(message.includes(gatewayLine(noKey)), message);
  assert.notEqual(message, err.explanation, "not the CLI's words");
  assert.ok(message.includes(GATEWAY_COMMANDS.listModels(true)), message);
  assert.ok(!message.includes(CLI_COMMANDS.listModels(true)), message);
  assert.ok(err.explanation.includes(cliLine(noKey)), 'the error itself keeps the CLI words');
});

test("a gateway's error message for a failure made only of words is those words", () => {
  const explanation = 'main: refused before anything was sent: over budget';
  const err = new SwitchyardError({
    task: 'main',
    kind: 'budget',
    explanation,
    trail: [],
    failures: [{ route: 'mimo/m', kind: 'budget', explanation }],
  });
  assert.equal(failureToApiError(err, false).message, explanation);
});
