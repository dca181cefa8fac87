// The region a cloud provider's calls go to: Bedrock's signing region, Vertex AI's location. A throttle, a quota or a
// region down is that region's, so a credential's health for those is kept per (credential, region)
// (credentials/scoped-health.ts); other provider types have no region.
import type { ProviderConfig } from './schema.ts';

/** `bedrock-runtime.REGION.amazonaws.com` (or its FIPS twin) names its region. */
export function bedrockRegionOfUrl(baseUrl: string): string | undefined {
  return /bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(baseUrl)?.[1];
}

/** Bedrock: `region:`, else the one its base_url names, else us-east-1 (what it signs for); Vertex: its `region:`
 * (`global` included); any other type: none. */
export function providerRegion(p: Pick<ProviderConfig, 'type' | 'region' | 'base_url'>): string | undefined {
  if (p.type === 'vertex') return p.region;
  if (p.type === 'bedrock') return p.region ?? bedrockRegionOfUrl(p.base_url) ?? 'us-east-1';
  return undefined;
}
