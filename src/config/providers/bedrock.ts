// What a type: bedrock provider takes: where its AWS keys come from (src/providers/bedrock/; minted by
// src/credentials/minted/aws-credentials.ts). Its region is vertex.ts's `region`. Spread into providerSchema.
import { z } from 'zod';

export const bedrockFields = {
  /** Bedrock: AWS keys from a named profile, or the SDK's default chain (environment, SSO, profile, process,
   * container and instance metadata), re-read before they expire. */
  aws_credentials: z
    .union([z.literal('default_chain'), z.strictObject({ profile: z.string().trim().min(1) })], {
      error: 'expected default_chain or { profile: NAME }',
    })
    .optional(),
};
