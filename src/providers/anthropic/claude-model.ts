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

/** The family and version a model id names; undefined for ids that name none (Claude 3 ids such as
 * `claude-3-5-sonnet-…`, other vendors' models behind an Anthropic-compatible API, aliases). */
export function claudeModel(model: string): ClaudeModel | undefined {
  const m = MODEL_ID.exec(model.toLowerCase());
  if (m === null) return undefined;
  return { family: m[1] ?? '', major: Number(m[2]), minor: Number(m[3] ?? 0) };
}

/** Whether `rule` reaches the model. */
export function reaches(rule: SinceRule, m: ClaudeModel): boolean {
  const [major, minor] = rule.from;
  return (
    (rule.family === '*' || rule.family === m.family) && (m.major > major || (m.major === major && m.minor >= minor))
  );
}
