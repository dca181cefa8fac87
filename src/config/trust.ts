// Local config files the user has said are theirs (`switchyard config trust`). Kept by path, as `mise trust` does,
// so a repository cloned somewhere new is not trusted (docs/config.md#where-the-file-is-found).
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stateHome } from './home.ts';
import { UserError } from '../user-error.ts';

type Env = Readonly<Record<string, string | undefined>>;

function trustFile(env: Env): string {
  return join(stateHome(env), 'trusted-configs.json');
}

/** The file in its real directory, its own link not followed: trust is for this file with the .env beside it, and a
 * link's directory may hold anybody's .env. */
export function trustPath(path: string): string {
  const dir = dirname(resolve(path));
  try {
    return join(realpathSync(dir), basename(path));
  } catch {
    return resolve(path);
  }
}

/** The trusted paths; a missing or unreadable file trusts nothing (the safe reading). */
export function trustedConfigs(env: Env = process.env): string[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(trustFile(env), 'utf8'));
    const list = (parsed as { trusted?: unknown }).trusted;
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

export function isTrusted(path: string, env: Env = process.env): boolean {
  return trustedConfigs(env).includes(trustPath(path));
}

function write(list: readonly string[], env: Env): void {
  const file = trustFile(env);
  try {
    mkdirSync(stateHome(env), { recursive: true, mode: 0o700 });
    // Written whole and renamed into place: a crash mid-write must not leave a half file (which would trust nothing,
    // safe but surprising).
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ trusted: list }, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  } catch (err) {
    throw new UserError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      details: [
        'its directory is $SWITCHYARD_HOME (else $XDG_STATE_HOME/switchyard, else ~/.local/state/switchyard); point it at a writable directory',
      ],
    });
  }
}

/** Returns false when it was trusted already. */
export function trustConfig(path: string, env: Env = process.env): boolean {
  const real = trustPath(path);
  const list = trustedConfigs(env);
  if (list.includes(real)) return false;
  write([...list, real], env);
  return true;
}

/** Returns false when it was not trusted. */
export function untrustConfig(path: string, env: Env = process.env): boolean {
  const real = trustPath(path);
  const list = trustedConfigs(env);
  if (!list.includes(real)) return false;
  write(
    list.filter((p) => p !== real),
    env,
  );
  return true;
}
