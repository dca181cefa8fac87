// Schema helpers shared by the wire schemas (openai-, anthropic-, responses-schema.ts).
import { z } from 'zod';

/** A block of a type the gateway does not check: kept as sent, for the translator to take or refuse by name. */
export type LooseBlock = { type: string } & Record<string, unknown>;

/**
 * A content block (or input item) chosen by its `type`. A zod union cannot say "this schema for these types,
 * anything for the rest": with a catch-all option a malformed known block passes as "some block", and without one
 * an unknown type fails with every option's error. Here a known type is checked by its own schema alone, so an error
 * names the field inside the block (`content[0].text`); any other type passes, for the translator to take (thinking
 * blocks) or refuse with a located error naming the type. `untyped`: the schema for a block sent without a `type`
 * (Responses message items); without it `type` is required.
 */
export function byType<const K extends Record<string, z.ZodType>>(known: K, untyped?: keyof K & string) {
  const shape = z.looseObject({ type: untyped === undefined ? z.string() : z.string().optional() });
  return shape.transform((block, ctx): z.output<K[keyof K]> | LooseBlock => {
    const type = block.type ?? untyped;
    // Object.hasOwn: a type such as "constructor" must not find Object's prototype.
    if (type === undefined || !Object.hasOwn(known, type)) return block as LooseBlock;
    const result = known[type]!.safeParse(block, { reportInput: true });
    if (result.success) return result.data as z.output<K[keyof K]>;
    for (const issue of result.error.issues) ctx.addIssue({ ...issue } as z.core.$ZodRawIssue);
    return z.NEVER;
  });
}
