// What a Claude model id says about the model: its family and version. Which request fields a model takes follows
// from them (sampling.ts, features.ts), as tables of "from this version on" rules.

export interface ClaudeModel {
  /** `opus`, `sonnet`, `haiku`, … */
  family: string;
  major: number;
  minor: number;
}

/** A rule's reach: a family (`*` for any) from a version on. */
export interface SinceRule {
  family: string;
  /** The first version the rule holds for: [major, minor]. */
  from: readonly [number, number];
}

/** `claude-opus-4-1-20250805`, `claude-haiku-4-5`, `anthropic.claude-sonnet-4-5-…-v1:0`, `claude-opus-4.7`; a date
 * after the major version (`claude-sonnet-4-20250514`) is not a minor version. */
const MODEL_ID = /claude-([a-z]+)-(\d+)(?:[-.](\d{1,2}))?(?!\d)/;

/** Ids read before: one request asks of its route's model several times (sampling.ts, features.ts,
 * output-format.ts), a lower-casing and a regular expression each. Bounded: a wildcard route passes on whatever model
 * a caller names. */
const READ = new Map<string, Readonly<ClaudeModel> | null>();
const READ_LIMIT = 256;

/** The family and version a model id names; undefined for ids that name none (Claude 3 ids such as
 * `claude-3-5-sonnet-…`, other vendors' models behind an Anthropic-compatible API, aliases). */
export function claudeModel(model: string): Readonly<ClaudeModel> | undefined {
  let read = READ.get(model);
  if (read === undefined) {
    const m = MODEL_ID.exec(model.toLowerCase());
    read = m === null ? null : { family: m[1] ?? '', major: Number(m[2]), minor: Number(m[3] ?? 0) };
    if (READ.size >= READ_LIMIT) READ.clear();
    READ.set(model, read);
  }
  return read ?? undefined;
}

/** Whether `rule` reaches the model. */
export function reaches(rule: SinceRule, m: Readonly<ClaudeModel>): boolean {
  const [major, minor] = rule.from;
  return (
    (rule.family === '*' || rule.family === m.family) && (m.major > major || (m.major === major && m.minor >= minor))
  );
}
