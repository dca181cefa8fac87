// Which regions exist, for warning of a typo (`us-est-1`) that would fail every call. AWS's come from the partitions
// data the AWS SDK ships (@aws-sdk/core, kept current by its releases); Google publishes no such file in a package we
// have, so Vertex AI's are the documented pattern and a list of Google Cloud's regions (docs/minted.md#recipes).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Google Cloud regions Vertex AI is offered in (cloud.google.com/vertex-ai/docs/general/locations), and `global`. */
export const GOOGLE_REGIONS: readonly string[] = [
  'global',
  'africa-south1',
  'asia-east1',
  'asia-east2',
  'asia-northeast1',
  'asia-northeast2',
  'asia-northeast3',
  'asia-south1',
  'asia-south2',
  'asia-southeast1',
  'asia-southeast2',
  'asia-southeast3',
  'australia-southeast1',
  'australia-southeast2',
  'europe-central2',
  'europe-north1',
  'europe-north2',
  'europe-southwest1',
  'europe-west1',
  'europe-west2',
  'europe-west3',
  'europe-west4',
  'europe-west6',
  'europe-west8',
  'europe-west9',
  'europe-west10',
  'europe-west12',
  'me-central1',
  'me-central2',
  'me-west1',
  'northamerica-northeast1',
  'northamerica-northeast2',
  'northamerica-south1',
  'southamerica-east1',
  'southamerica-west1',
  'us-central1',
  'us-east1',
  'us-east4',
  'us-east5',
  'us-south1',
  'us-west1',
  'us-west2',
  'us-west3',
  'us-west4',
];

/** A Google Cloud region's shape: a geography, a direction, a number, with no dash before it (`us-east5`). */
export const GOOGLE_REGION_PATTERN = /^[a-z]+-[a-z]+\d+$/;

/** The partitions data file inside @aws-sdk/core (not exported by name: read as the JSON it is). */
const PARTITIONS_FILE = 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js';

interface Partitions {
  partitions: { id: string; regions: Record<string, unknown> }[];
}

let awsRegions: readonly string[] | null | undefined;

/** Every region of every AWS partition the installed SDK knows; null when its data cannot be read (then nothing is
 * said about a region, rather than something wrong). Read once, on first use. */
export function knownAwsRegions(): readonly string[] | null {
  if (awsRegions !== undefined) return awsRegions;
  try {
    const core = dirname(createRequire(import.meta.url).resolve('@aws-sdk/core/package.json'));
    const text = readFileSync(join(core, PARTITIONS_FILE), 'utf8');
    const data = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as Partitions;
    // `aws-global`, `aws-cn-global`, …: the partitions' own pseudo-regions, never a place to send a call.
    awsRegions = data.partitions.flatMap((p) => Object.keys(p.regions)).filter((r) => !r.endsWith('-global'));
    if (awsRegions.length === 0) awsRegions = null;
  } catch {
    awsRegions = null;
  }
  return awsRegions;
}
