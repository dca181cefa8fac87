// What only a type: azure provider takes: the `api-version` that sends its calls to the deployments API
// (src/providers/azure/). Spread into providerSchema (schema.ts), which runs azureChecks.
import { z } from 'zod';
import type { ProviderType } from './types.ts';

/** Azure OpenAI's `api-version` query value (`2024-10-21`, `2025-04-01-preview`). */
const apiVersion = (): z.ZodString =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'expected an Azure api-version like 2024-10-21 or 2025-04-01-preview');

export const azureFields = {
  /** Azure OpenAI: set, calls go to the deployments API (`/openai/deployments/{model}/…?api-version=`), the
   * model naming the deployment; unset, to the v1 API (`/openai/v1/…`). */
  api_version: apiVersion().optional(),
};

/** api_version on an azure provider only. */
export function azureChecks(p: { type: ProviderType; api_version?: string | undefined }, ctx: z.RefinementCtx): void {
  if (p.api_version !== undefined && p.type !== 'azure') {
    ctx.addIssue({
      code: 'custom',
      path: ['api_version'],
      message: `api_version is Azure OpenAI's; a type: ${p.type} provider has none — leave it out, or set type: azure`,
    });
  }
}
