// Which command a systemd unit runs (`gateway service`): the installed `switchyard` with the Node running this one. A
// switchyard run from a clone of its repository (its sources, maybe its own Node in .tools/) is refused unless
// --allow-clone: a service pinned to it breaks when the clone is moved, rebuilt, or its .tools/ fetched again.
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { UserError } from '../user-error.ts';

export interface ServiceCommand {
  /** The Node that runs the service: the one running this command (systemd's PATH seldom has it). */
  node: string;
  /** The `switchyard` command: the one on PATH when it is this package's, else this package's bin/switchyard.js. */
  bin: string;
}

/** `bin`: this package's bin/switchyard.js. `allowClone`: --allow-clone. */
export function serviceCommand(
  bin: string,
  env: Record<string, string | undefined>,
  allowClone: boolean,
): ServiceCommand {
  const root = resolve(dirname(bin), '..');
  const node = process.execPath;
  const clone = existsSync(join(root, 'src', 'cli', 'main.ts'));
  const ownNode = node.startsWith(join(root, '.tools') + sep);
  if ((clone || ownNode) && !allowClone) {
    const how = ownNode
      ? `from a clone of its repository, on the clone's own Node (${node})`
      : 'from a clone of its repository (its TypeScript sources)';
    throw new UserError(
      `this switchyard runs ${how} at ${root}: a service pinned to it stops working when the clone is moved, rebuilt or its .tools/ fetched again`,
      {
        details: [
          'install it as a package and run this again with the installed command:',
          `  cd ${root} && npm pack && npm install -g ./switchyard-*.tgz && switchyard gateway service --install`,
          'or pass --allow-clone to pin this clone all the same',
        ],
      },
    );
  }
  return { node, bin: onPath(bin, env) ?? bin };
}

/** The `switchyard` on PATH when it is this very file (npm's global bin links to it): a path that survives an upgrade
 * of the package and reads as what the user typed. */
function onPath(bin: string, env: Record<string, string | undefined>): string | undefined {
  const target = realpathOrUndefined(bin);
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '' || !dir.startsWith('/')) continue;
    const candidate = join(dir, 'switchyard');
    if (target !== undefined && realpathOrUndefined(candidate) === target) return candidate;
  }
  return undefined;
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
