// Schema helpers shared by the wire schemas (openai/, anthropic/, responses/schema.ts).
import { z } from 'zod';

/** A block of a type the gateway does not check: kept as sent, for the translator to take or refuse by name. */
export type LooseBlock = { type: string } & Record<string, unknown>;

/** A block chosen by its `type`: a known type is checked by its own schema alone, so errors name the field inside
 * it; unknown types pass for the translator. `untyped`: the schema for a block without a `type`. */
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
