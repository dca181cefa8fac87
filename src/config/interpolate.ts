// `${VAR}` in string values, from the environment, then `.env` (docs/config.md#env-and-var). Unset outside a key slot
// it is a located error: `${TYPO}` kept as a URL would fail later and less clearly.
import { mask } from './mask.ts';
import type { Origin } from './types.ts';
import type { ConfigIssue, ConfigPath } from './issue.ts';
import { formatPath } from './issue.ts';
import { locateValue, type YamlSource } from './yaml-source.ts';
import { withheldWhy } from './local-env.ts';
import { isKeySlot } from './slot-paths.ts';
import type { WithheldVariable } from './types.ts';

export interface Interpolated {
  data: unknown;
  /** Origins of values that came (partly) from a variable, keyed by the *original* path. */
  origins: Map<string, Origin>;
  /** Every variable such a value was made from, in order, by the same path: for messages about the value. */
  refs: Map<string, Ref[]>;
  /** Key slots whose variable was unset, keyed by original path → variable name. */
  unresolved: Map<string, string>;
  /** For lists that lost entries to unset variables: list path → original index of each kept entry. */
  kept: Map<string, number[]>;
  issues: ConfigIssue[];
  warnings: string[];
  /** Variables whose environment and .env values differ, each → the warning said of it (also in `warnings`). */
  conflicts: Map<string, string>;
}

/** A `${NAME}` in a value, and where its value came from (null: set nowhere). */
export interface Ref {
  name: string;
  from: 'env' | 'dotenv' | null;
}

type Expansion = { ok: true; value: string; refs: Ref[] } | { ok: false; error: string };

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function expand(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  dotenv: Readonly<Record<string, string>>,
): Expansion {
  let out = '';
  const refs: Ref[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i++;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end < 0) return { ok: false, error: 'unclosed `${` (write ${NAME}, or $${ for a literal `${`)' };
    const name = text.slice(i + 2, end);
    if (!NAME_RE.test(name))
      return {
        ok: false,
        error: `\`\${${name}}\` is not a variable reference (names use letters, digits and _, not starting with a digit)`,
      };
    const fromEnv = env[name];
    const fromDotenv = Object.hasOwn(dotenv, name) ? dotenv[name] : undefined;
    const from = fromEnv !== undefined ? 'env' : fromDotenv !== undefined ? 'dotenv' : null;
    refs.push({ name, from });
    out += fromEnv ?? fromDotenv ?? '';
    i = end + 1;
  }
  return { ok: true, value: out, refs };
}

function originOf(ref: Ref, at: { file: string; line: number; col: number }, dotenvPath: string | null): Origin {
  if (ref.from === 'dotenv') return { kind: 'dotenv', name: ref.name, dotenvFile: dotenvPath ?? '.env', ...at };
  return { kind: 'env', name: ref.name, ...at };
}

export interface InterpolateInput {
  source: YamlSource;
  env: Readonly<Record<string, string | undefined>>;
  dotenv: Readonly<Record<string, string>>;
  dotenvPath: string | null;
  /** Variables left out of `env` because an untrusted local config may not read them (local-env.ts). */
  withheld?: ReadonlyMap<string, WithheldVariable>;
}

export function interpolate(input: InterpolateInput): Interpolated {
  const result: Interpolated = {
    data: undefined,
    origins: new Map(),
    refs: new Map(),
    unresolved: new Map(),
    kept: new Map(),
    issues: [],
    warnings: [],
    conflicts: new Map(),
  };

  const visitString = (text: string, path: ConfigPath): string | undefined => {
    if (!text.includes('${')) return text;
    const at = locateValue(input.source, path);
    const where = { file: input.source.file, line: at.line, col: at.col };
    const pathText = formatPath(path);
    const expansion = expand(text, input.env, input.dotenv);
    if (!expansion.ok) {
      result.issues.push({ ...where, path: pathText, message: expansion.error });
      return text;
    }
    if (expansion.refs.length === 0) return expansion.value;
    for (const ref of expansion.refs) warnOnConflict(ref.name);
    result.origins.set(pathText, originOf(expansion.refs[0]!, where, input.dotenvPath));
    result.refs.set(pathText, expansion.refs);
    const unset = expansion.refs.filter((r) => r.from === null);
    if (unset.length === 0) return expansion.value;
    if (isKeySlot(path)) {
      result.unresolved.set(pathText, unset[0]!.name);
      return undefined;
    }
    const held = unset.map((r) => input.withheld?.get(r.name)).find((w) => w !== undefined);
    if (held !== undefined) {
      result.issues.push({ ...where, path: pathText, message: withheldWhy(held, input.source.file) });
      return text;
    }
    const names = unset.map((r) => `\${${r.name}}`).join(', ');
    result.issues.push({
      ...where,
      path: pathText,
      message: `${names} is not set (not in the environment${input.dotenvPath ? ' nor in ' + input.dotenvPath : ', and there is no .env beside the config'})`,
    });
    return text;
  };

  // The environment wins over .env; say so once when they disagree, masked, since either may be a secret.
  const warnOnConflict = (name: string): void => {
    const warning = conflictWarning(
      name,
      input.env[name],
      Object.hasOwn(input.dotenv, name) ? input.dotenv[name] : undefined,
      input.dotenvPath,
    );
    if (warning === undefined || result.conflicts.has(name)) return;
    result.conflicts.set(name, warning);
    result.warnings.push(warning);
  };

  const visit = (value: unknown, path: ConfigPath): unknown => {
    if (typeof value === 'string') return visitString(value, path);
    if (Array.isArray(value)) {
      // Dropped key slots (unset ${VAR} in api_keys) leave the list; the origin map keeps file positions.
      const out: unknown[] = [];
      const keptIndices: number[] = [];
      value.forEach((v, i) => {
        const next = visit(v, [...path, i]);
        if (next === undefined && v !== undefined) return;
        out.push(next);
        keptIndices.push(i);
      });
      if (keptIndices.length !== value.length) result.kept.set(formatPath(path), keptIndices);
      return out;
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const next = visit(v, [...path, k]);
        // defineProperty, not `out[k] =`: a `__proto__` key stays a key (for the schema to refuse by name) instead of
        // replacing the object's prototype.
        if (next !== undefined || v === undefined)
          Object.defineProperty(out, k, { value: next, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return value;
  };

  result.data = visit(input.source.data, []);
  return result;
}

/** The warning for a variable set in the environment and, differently, in .env (undefined when they agree or one
 * is missing). Both values masked, since either may be a secret. */
export function conflictWarning(
  name: string,
  env: string | undefined,
  dotenv: string | undefined,
  dotenvPath: string | null,
  outcome = "the environment's value is used",
): string | undefined {
  if (env === undefined || dotenv === undefined || env === dotenv) return undefined;
  return `${name} is set in the environment (${mask(env)}) and differently in ${dotenvPath ?? '.env'} (${mask(dotenv)}); ${outcome}`;
}
