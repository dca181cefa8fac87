// What a type: vertex provider takes: its Google Cloud project and region (a bedrock provider may name a region too,
// which it signs for), and a Google service account's key file to mint its tokens from (src/providers/vertex/).
// Spread into providerSchema (schema.ts), which runs vertexPlace.
import { z } from 'zod';
import type { ProviderType } from './types.ts';

export const vertexFields = {
  /** Vertex AI: the Google Cloud project and the region (`us-east5`, `europe-west1`, or `global`) calls go to. */
  project: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'expected a Google Cloud project id (my-project-123)')
    .optional(),
  region: z
    .string()
    .regex(
      /^(global|[a-z]+(-[a-z]+)+-?\d+)$/,
      'expected a region like us-east5 or europe-west1 (Vertex AI, or global), us-east-1 (Bedrock)',
    )
    .optional(),
  /** A Google service account's key file (JSON): an access token is minted from it (docs/credentials.md). */
  google_credentials: z.string().trim().min(1, 'expected a file path').optional(),
};

/** A vertex provider names its project and region; a bedrock one may name its region; no other type has them. */
export function vertexPlace(
  p: { type: ProviderType; project?: string | undefined; region?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  for (const field of ['project', 'region'] as const) {
    if (p.type === 'vertex' && p[field] === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `a type: vertex provider needs its ${field} (${field === 'project' ? 'the Google Cloud project id' : 'us-east5, europe-west1, global, …'})`,
      });
    // Bedrock signs for a region too (its base_url usually names it).
    const takes = p.type === 'vertex' || (p.type === 'bedrock' && field === 'region');
    if (!takes && p[field] !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `${field} is Vertex AI's; a type: ${p.type} provider has none — leave it out, or set type: vertex`,
      });
  }
}
