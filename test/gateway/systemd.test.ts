// The systemd user unit: absolute paths, EnvironmentFile= the .env beside the config (seed 001: the service must
// see the same keys as the shell), restart on failure but not on a bad config, started once ready, reload by SIGHUP;
// install refuses to overwrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { installUnit, quoteArg, renderUnit, unitPath } from '../../src/gateway/server/systemd.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('the unit runs the gateway with absolute paths and the .env beside the config', () => {
  const unit = renderUnit({
    node: '/opt/node/bin/node',
    bin: '/srv/switchyard/bin/switchyard.js',
    configPath: '/home/u/.config/switchyard/config.yaml',
    env: { SWITCHYARD_HOME: '/var/lib/sy' },
  });
  assert.match(
    unit,
    /^ExecStart=\/opt\/node\/bin\/node \/srv\/switchyard\/bin\/switchyard\.js gateway --config \/home\/u\/\.config\/switchyard\/config\.yaml$/m,
  );
  assert.match(unit, /^EnvironmentFile=-\/home\/u\/\.config\/switchyard\/\.env$/m);
  assert.match(unit, /^WorkingDirectory=\/home\/u\/\.config\/switchyard$/m);
  assert.match(unit, /^Restart=on-failure$/m);
  // A bad config (exit 2) is not restarted over and over; the unit is started once /readyz answers.
  assert.match(unit, /^RestartPreventExitStatus=2$/m);
  assert.match(
    unit,
    /^ExecStartPost=\/opt\/node\/bin\/node \/srv\/switchyard\/bin\/switchyard\.js gateway wait --config \/home\/u\/\.config\/switchyard\/config\.yaml$/m,
  );
  // A user manager has no network-online.target.
  assert.doesNotMatch(unit, /network-online/);
  assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  assert.match(unit, /^Environment=SWITCHYARD_HOME=\/var\/lib\/sy$/m);
  assert.match(unit, /^WantedBy=default\.target$/m);
  assert.throws(() => renderUnit({ node: 'node', bin: '/b', configPath: '/c' }), /must be absolute/);
  assert.match(unit, /^TimeoutStopSec=40$/m, 'the default drain (30s) and 10s to spare');
  const longDrain = renderUnit({ node: '/n', bin: '/b', configPath: '/c', drainTimeoutMs: 120_000 });
  assert.match(longDrain, /^TimeoutStopSec=130$/m, 'systemd waits for a longer drain_timeout');
});

test('ExecStart arguments with spaces, quotes, % and $ are quoted the systemd way', () => {
  assert.equal(quoteArg('/plain/path'), '/plain/path');
  assert.equal(quoteArg('/my dir/config.yaml'), '"/my dir/config.yaml"');
  assert.equal(quoteArg('/a"b'), '"/a\\"b"');
  assert.equal(quoteArg('/100%/x'), '/100%%/x');
  assert.equal(quoteArg('/$HOME/x'), '"/$$HOME/x"');
});

test('install writes under XDG_CONFIG_HOME/systemd/user and refuses to overwrite without force', () => {
  using ws = tempWorkspace();
  const path = unitPath({ XDG_CONFIG_HOME: join(ws.dir, 'cfg'), HOME: ws.dir });
  assert.equal(path, join(ws.dir, 'cfg', 'systemd', 'user', 'switchyard-gateway.service'));
  assert.equal(unitPath({ HOME: '/home/u' }), '/home/u/.config/systemd/user/switchyard-gateway.service');
  installUnit('first\n', path, false);
  assert.equal(readFileSync(path, 'utf8'), 'first\n');
  assert.equal(statSync(path).mode & 0o777, 0o644);
  assert.throws(() => installUnit('second\n', path, false), /already exists; pass --force/);
  installUnit('second\n', path, true);
  assert.equal(readFileSync(path, 'utf8'), 'second\n');
});
