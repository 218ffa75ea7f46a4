import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

// Proves that the architecture rules are real: lint fails when a project breaks them, and the project graph
// carries the tags the rules are written against.
const root = resolve(__dirname, '../../..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

interface Probe {
  file: string;
  source: string;
  rule: string;
  message: RegExp;
}

const probes: Probe[] = [
  {
    file: 'libs/shared/money/src/zz-probe-app-import.ts',
    source: "export * from '../../../../apps/insuree-mediator/src/app';\n",
    rule: '@nx/enforce-module-boundaries',
    message: /Imports of apps are forbidden|cannot be imported by a relative or absolute path/,
  },
  {
    file: 'libs/fhir/types/src/zz-probe-layer.ts',
    source: "export * from '@payment-layer/shared-http';\n",
    rule: '@nx/enforce-module-boundaries',
    message: /type:types" can only depend on/,
  },
  {
    file: 'libs/fhir/openimis-client/src/zz-probe-sqlite.ts',
    source: "import Database from 'better-sqlite3';\nexport const db = Database;\n",
    rule: '@nx/enforce-module-boundaries',
    message: /better-sqlite3/,
  },
  {
    file: 'libs/mifos/fineract-client/src/zz-probe-fastify.ts',
    source: "import Fastify from 'fastify';\nexport const f = Fastify;\n",
    rule: '@nx/enforce-module-boundaries',
    message: /fastify/,
  },
  {
    file: 'libs/openhim/mediator/src/zz-probe-sandbox.ts',
    source: "export { startOpenHimCore } from '@payment-layer/sandbox';\n",
    rule: 'no-restricted-imports',
    message: /tests only/,
  },
  {
    file: 'libs/staging/db/src/zz-probe-deep.ts',
    source: "export * from '@payment-layer/shared-errors/src/errors';\n",
    rule: 'no-restricted-imports',
    message: /public entry point/,
  },
];

describe('module boundaries', () => {
  beforeAll(() => {
    // The boundary rule reads Nx's cached project graph; make sure it exists and is current.
    execFileSync(bin('nx'), ['show', 'projects'], { cwd: root, env, stdio: 'ignore' });
    for (const p of probes) {
      writeFileSync(join(root, p.file), p.source);
    }
  });
  afterAll(() => {
    for (const p of probes) {
      rmSync(join(root, p.file), { force: true });
    }
  });

  it('fails lint for each violation, with the right rule', () => {
    const res = spawnSync(bin('eslint'), ['--format', 'json', ...probes.map((p) => p.file)], {
      cwd: root,
      env,
      encoding: 'utf8',
      maxBuffer: 32 * 1024 * 1024,
    });
    expect(res.status).toBe(1);
    const results = JSON.parse(res.stdout) as {
      filePath: string;
      messages: { ruleId: string | null; message: string }[];
    }[];
    for (const p of probes) {
      const result = results.find((r) => relative(root, r.filePath) === p.file);
      expect(result).toBeDefined();
      const hit = result!.messages.find((m) => m.ruleId === p.rule && p.message.test(m.message));
      if (!hit) {
        throw new Error(
          `${p.file}: expected ${p.rule} ${String(p.message)}, got ${JSON.stringify(result!.messages)}`,
        );
      }
    }
  });
});

describe('project graph', () => {
  let graph: {
    graph: {
      nodes: Record<string, { data: { root: string; tags?: string[] } }>;
      dependencies: Record<string, { target: string }[]>;
    };
  };
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'graph-'));
    const file = join(dir, 'graph.json');
    execFileSync(bin('nx'), ['graph', `--file=${file}`], { cwd: root, env, stdio: 'ignore' });
    graph = JSON.parse(readFileSync(file, 'utf8'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('tags every project with a type and a scope', () => {
    const untagged = Object.entries(graph.graph.nodes)
      .filter(
        ([, n]) =>
          !(n.data.tags ?? []).some((t) => t.startsWith('type:')) ||
          !(n.data.tags ?? []).some((t) => t.startsWith('scope:')),
      )
      .map(([name]) => name);
    expect(untagged).toEqual([]);
  });

  it('shows the real dependencies of the libraries', () => {
    const deps = (name: string): string[] => (graph.graph.dependencies[name] ?? []).map((d) => d.target);
    expect(deps('openhim-mediator')).toEqual(expect.arrayContaining(['shared-http', 'shared-errors']));
    expect(deps('shared-http')).toContain('shared-errors');
    expect(deps('shared-errors')).toEqual([]);
  });
});
