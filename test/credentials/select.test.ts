import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { selectCandidate } from '../../src/credentials/select.ts';

const usable = [
  { fingerprint: 'a', order: 0, uses: 5 },
  { fingerprint: 'c', order: 2, uses: 1 },
  { fingerprint: 'd', order: 3, uses: 1 },
];
const rng = (value: number) => () => value;

describe('credential strategies', () => {
  it('fill_first takes the first usable', () => {
    assert.equal(selectCandidate('fill_first', usable, { random: rng(0.9) }).fingerprint, 'a');
  });
  it('round_robin continues after the last pick and wraps around', () => {
    assert.equal(selectCandidate('round_robin', usable, { random: rng(0) }).fingerprint, 'a');
    assert.equal(selectCandidate('round_robin', usable, { random: rng(0), lastOrder: 0 }).fingerprint, 'c');
    assert.equal(selectCandidate('round_robin', usable, { random: rng(0), lastOrder: 1 }).fingerprint, 'c');
    assert.equal(selectCandidate('round_robin', usable, { random: rng(0), lastOrder: 3 }).fingerprint, 'a');
  });
  it('least_used takes the fewest uses, earlier first on ties', () => {
    assert.equal(selectCandidate('least_used', usable, { random: rng(0) }).fingerprint, 'c');
  });
  it('random uses the injected generator', () => {
    assert.equal(selectCandidate('random', usable, { random: rng(0) }).fingerprint, 'a');
    assert.equal(selectCandidate('random', usable, { random: rng(0.5) }).fingerprint, 'c');
    assert.equal(selectCandidate('random', usable, { random: rng(0.999999) }).fingerprint, 'd');
  });
  it('refuses an empty list', () => {
    assert.throws(() => selectCandidate('fill_first', [], { random: rng(0) }));
  });
});
