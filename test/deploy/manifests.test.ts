// deploy/kubernetes: every manifest is valid against the Kubernetes API's own schemas (kubernetes-models), the
// kustomization applies them all, and they agree with the image and the gateway: the config in the ConfigMap loads,
// the probes are paths the gateway answers, the user is the image's, the port is the one the config listens on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = join(REPO, 'deploy', 'kubernetes');

type Obj = Record<string, unknown>;
interface Validatable {
  validate(): void;
}

/** The kubernetes-models class for a manifest's apiVersion and kind (`apps/v1` → kubernetes-models/apps/v1/…). */
async function model(apiVersion: string, kind: string): Promise<new (data: Obj) => Validatable> {
  const mod = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<
    string,
    new (data: Obj) => Validatable
  >;
  const cls = mod[kind];
  assert.ok(cls, `kubernetes-models has no ${apiVersion} ${kind}`);
  return cls;
}

function manifests(): { file: string; doc: Obj }[] {
  return globSync(join(DIR, '*.yaml'))
    .filter((f) => basename(f) !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
        assert.deepEqual(d.errors, [], file);
        return { file: basename(file), doc: d.toJS() as Obj };
      }),
    );
}

function byKind(kind: string): Obj {
  const found = manifests().find((m) => m.doc['kind'] === kind);
  assert.ok(found, `no ${kind} under deploy/kubernetes`);
  return found.doc;
}

test('every manifest is valid against the Kubernetes schemas', async () => {
  const all = manifests();
  assert.deepEqual([...new Set(all.map((m) => m.doc['kind']))].sort(), [
    'ConfigMap',
    'Deployment',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    'Secret',
    'Service',
  ]);
  for (const { file, doc } of all) {
    const Model = await model(String(doc['apiVersion']), String(doc['kind']));
    assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc['kind']}`);
  }
});

test('a broken manifest is caught (the check is not a no-op)', async () => {
  const deployment = structuredClone(byKind('Deployment')) as { spec: { replicas: unknown } };
  deployment.spec.replicas = 'two';
  const Model = await model('apps/v1', 'Deployment');
  assert.throws(() => new Model(deployment as unknown as Obj).validate(), /replicas/);
});

test('the kustomization applies every manifest but the example Secret', () => {
  const k = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const files = globSync(join(DIR, '*.yaml'))
    .map((f) => basename(f))
    .filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml');
  assert.deepEqual([...k.resources].sort(), files.sort());
});

test("the ConfigMap's config loads with the Secret's variables, and the Deployment agrees with it and the image", () => {
  const configMap = byKind('ConfigMap') as { data: Record<string, string> };
  const secret = byKind('Secret') as { metadata: { name: string }; stringData: Record<string, string> };
  using ws = tempWorkspace('switchyard-k8s-config-');
  const path = ws.write('switchyard.yaml', configMap.data['switchyard.yaml']!);
  const loaded = loadConfig({ configPath: path, env: { ...secret.stringData } });
  assert.equal(loaded.config.gateway.listen, '0.0.0.0:4141');
  assert.match(String(loaded.config.gateway.state), /^redis:\/\//);

  const deployment = byKind('Deployment') as {
    spec: { template: { spec: { securityContext: Obj; containers: Obj[]; volumes: Obj[] } } };
  };
  const pod = deployment.spec.template.spec;
  const [gateway] = pod.containers as {
    ports: { containerPort: number }[];
    livenessProbe: { httpGet: { path: string } };
    readinessProbe: { httpGet: { path: string } };
    envFrom: { secretRef: { name: string } }[];
    env: { name: string; value: string }[];
    volumeMounts: { name: string; mountPath: string }[];
  }[];
  assert.ok(gateway);
  assert.equal(gateway.ports[0]?.containerPort, 4141);
  assert.equal(gateway.livenessProbe.httpGet.path, '/livez');
  assert.equal(gateway.readinessProbe.httpGet.path, '/readyz');
  assert.equal(gateway.envFrom[0]?.secretRef.name, secret.metadata.name);
  const configPath = gateway.env.find((e) => e.name === 'SWITCHYARD_CONFIG')?.value;
  const mount = gateway.volumeMounts.find((v) => v.name === 'config')?.mountPath;
  assert.equal(configPath, `${mount}/switchyard.yaml`);
  // The image's user (Containerfile USER) is the pod's, and the state directory is mounted where the image keeps it.
  const containerfile = readFileSync(join(REPO, 'Containerfile'), 'utf8');
  const user = /^USER (\d+):(\d+)$/m.exec(containerfile);
  assert.ok(user, 'the Containerfile names a numeric user');
  assert.equal(pod.securityContext['runAsUser'], Number(user[1]));
  assert.match(containerfile, /SWITCHYARD_HOME=\/var\/lib\/switchyard/);
  assert.ok(gateway.volumeMounts.some((v) => v.mountPath === '/var/lib/switchyard'));
});
