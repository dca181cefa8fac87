// A cloud provider's region that does not exist (`us-est-1`), or that differs from the one its base_url names: every
// call would fail (a signature for the wrong region, a host that is not there), so the config says so up front.
// Warnings, not errors: a region newer than the lists in cloud-regions.ts must still be usable.
import { GOOGLE_REGION_PATTERN, GOOGLE_REGIONS, knownAwsRegions } from './cloud-regions.ts';
import { bedrockRegionOfUrl } from './region.ts';
import type { Config, ProviderConfig } from './schema.ts';
import { didYouMean } from './suggest.ts';

/** `https://us-east5-aiplatform.googleapis.com` names us-east5; `https://aiplatform.googleapis.com`, global; any
 * other host (a private endpoint, a simulator) names none. */
export function vertexRegionOfUrl(baseUrl: string): string | undefined {
  const host = /^https?:\/\/([^/:]+)/.exec(baseUrl)?.[1]?.toLowerCase();
  if (host === 'aiplatform.googleapis.com') return 'global';
  return host === undefined ? undefined : /^([a-z0-9-]+)-aiplatform\.googleapis\.com$/.exec(host)?.[1];
}

interface CloudRegions {
  /** The region base_url names. */
  ofUrl(baseUrl: string): string | undefined;
  /** Why `region` is not one of this cloud's, or undefined when it is (or cannot be told). */
  unknown(region: string): string | undefined;
  /** What a call to one region signed or addressed for the other does. */
  mismatch: string;
}

function awsUnknown(region: string): string | undefined {
  const known = knownAwsRegions();
  if (known === null || known.includes(region)) return undefined;
  return `\`${region}\` is not an AWS region${didYouMean(region, known)}: no AWS endpoint serves it, so every call would fail`;
}

function googleUnknown(region: string): string | undefined {
  if (GOOGLE_REGIONS.includes(region)) return undefined;
  const hint = didYouMean(region, GOOGLE_REGIONS);
  if (!GOOGLE_REGION_PATTERN.test(region))
    return `\`${region}\` is not a Google Cloud region${hint}: they are written like us-east5 or europe-west1, with no dash before the number, or global`;
  return `\`${region}\` is not a Google Cloud region Vertex AI is known to serve${hint} (if it is a new one, this warning can be ignored)`;
}

/** The clouds whose providers have a region, by provider type. */
const CLOUDS: Partial<Record<ProviderConfig['type'], CloudRegions>> = {
  bedrock: {
    ofUrl: bedrockRegionOfUrl,
    unknown: awsUnknown,
    mismatch: 'each request would be signed for one region and sent to the other, which AWS refuses',
  },
  vertex: {
    ofUrl: vertexRegionOfUrl,
    unknown: googleUnknown,
    mismatch: "each request would ask one region's endpoint for a model in the other, which Vertex AI refuses",
  },
};

function providerWarnings(name: string, p: ProviderConfig, cloud: CloudRegions): string[] {
  const out: string[] = [];
  const region = p.region;
  const ofUrl = cloud.ofUrl(p.base_url);
  const regionProblem = region === undefined ? undefined : cloud.unknown(region);
  if (regionProblem !== undefined) out.push(`providers.${name}.region: ${regionProblem}`);
  const urlProblem = ofUrl === undefined || ofUrl === region ? undefined : cloud.unknown(ofUrl);
  if (urlProblem !== undefined) out.push(`providers.${name}.base_url: the region it names, ${urlProblem}`);
  if (region !== undefined && ofUrl !== undefined && region !== ofUrl)
    out.push(
      `providers.${name}.region: \`${region}\` differs from the region its base_url names (\`${ofUrl}\`): ${cloud.mismatch}; make them the same`,
    );
  return out;
}

export function regionWarnings(config: Config): string[] {
  return Object.entries(config.providers).flatMap(([name, p]) => {
    const cloud = CLOUDS[p.type];
    return cloud === undefined ? [] : providerWarnings(name, p, cloud);
  });
}
