/**
 * Checks of the deployment files that need no Docker engine or terraform binary: the compose
 * file, the Prometheus and Grafana provisioning, the CI workflow, the Dockerfile, the Makefile
 * and `.env.example`, against the runtime's configuration and a real studio's /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PROCESS_ROLES } from '../../src/scheduling/settings.js';
import { scrape, type Scrape } from '../support/prometheus.js';
import { startTestStudio, type TestStudio } from '../support/studio.js';
import {
  envExampleNames,
  environmentVariablesRead,
  metricsOfExpression,
  readmeConfigurationNames,
  readRepoFile,
  readYaml,
} from './support.js';

const STUDIO_SERVICES = ['api', 'worker', 'scheduler'];
const ALL_SERVICES = [...STUDIO_SERVICES, 'mongo', 'minio', 'minio-init', 'redis', 'prometheus', 'grafana'];
/** Services that run once and exit, so they have no health check. */
const ONE_SHOT_SERVICES = new Set(['minio-init']);

const compose = readYaml('docker-compose.yml');
const services: Record<string, any> = compose.services;
const defaults = loadConfig({});

/** Returns a service's `environment` as an object (compose accepts a list or a map). */
function environmentOf(service: string): Record<string, string> {
  const environment = services[service].environment ?? {};
  if (!Array.isArray(environment)) return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)]));
  return Object.fromEntries(environment.map((entry: string) => entry.split(/=(.*)/s, 2)));
}

describe('.env.example and README configuration', () => {
  const read = environmentVariablesRead(['runtime/src', 'storage/src']);

  it('finds the variables the runtime reads', () => {
    for (const name of ['PORT', 'DATA_DIR', 'ROLE', 'SECRET_KEY', 'S3_ENDPOINT', 'OPENAI_API_KEY', 'METRICS_TOKEN', 'REDIS_URL']) {
      expect(read.has(name), name).toBe(true);
    }
  });

  it('.env.example lists every variable read', () => {
    const listed = envExampleNames();
    const missing = [...read].filter(([name]) => !listed.has(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });

  it('README table lists every variable read', () => {
    const listed = readmeConfigurationNames();
    const missing = [...read].filter(([name]) => !listed.has(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  it('has every service', () => {
    expect(Object.keys(services).sort()).toEqual([...ALL_SERVICES].sort());
  });

  it('lists each service variable in .env.example', () => {
    const listed = envExampleNames();
    for (const service of Object.keys(services)) {
      for (const name of Object.keys(environmentOf(service))) {
        // Variables of the images (MinIO's root user, Grafana's admin) are set from studio ones.
        if (name.startsWith('MINIO_') || name.startsWith('GF_')) continue;
        expect(listed.has(name), `${service}: ${name}`).toBe(true);
      }
    }
    const interpolated = [...readRepoFile('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]);
    for (const name of interpolated) expect(listed.has(name), `\${${name}}`).toBe(true);
  });

  it('gives each studio service its role', () => {
    for (const service of STUDIO_SERVICES) {
      const role = environmentOf(service).ROLE;
      expect(role, service).toBe(service);
      expect(PROCESS_ROLES).toContain(role);
    }
    expect(services.worker.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(services.worker.ports).toBeUndefined();
  });

  it('uses the configured ports', () => {
    const api = environmentOf('api');
    expect(Number(api.PORT)).toBe(defaults.port);
    expect(services.api.ports).toEqual([`\${STUDIO_PORT:-${defaults.port}}:${defaults.port}`]);
    expect(api.HOST).toBe('0.0.0.0');
    for (const service of ['worker', 'scheduler']) {
      expect(Number(environmentOf(service).METRICS_PORT), service).toBeGreaterThan(0);
    }
  });

  it('gives every long-running service a health check', () => {
    for (const [name, service] of Object.entries(services)) {
      if (ONE_SHOT_SERVICES.has(name)) continue;
      expect(service.healthcheck?.test, name).toBeDefined();
    }
    for (const service of STUDIO_SERVICES) {
      expect(services[service].healthcheck.test).toEqual(['CMD', 'node', 'scripts/healthcheck.mjs']);
    }
  });

  it('runs MongoDB as a replica set of one', () => {
    expect(services.mongo.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(services.mongo.healthcheck.test.join(' ')).toContain("rs.initiate({ _id: 'rs0'");
    for (const service of STUDIO_SERVICES) {
      expect(environmentOf(service).MONGO_URL).toMatch(/^mongodb:\/\/mongo:27017\/.+replicaSet=rs0$/);
      expect(services[service].depends_on.mongo.condition).toBe('service_healthy');
    }
  });

  it('creates the bucket and points the studio at MinIO and Redis', () => {
    const init = services['minio-init'];
    expect(init.entrypoint.join(' ')).toContain('mc mb --ignore-existing "local/$$S3_BUCKET"');
    expect(init.depends_on.minio.condition).toBe('service_healthy');
    const api = environmentOf('api');
    expect(api.S3_ENDPOINT).toBe('http://minio:9000');
    expect(api.REDIS_URL).toBe('redis://redis:6379');
  });
});

describe('Prometheus and Grafana provisioning', () => {
  const prometheus = readYaml('deploy/prometheus/prometheus.yml');
  const jobs = new Map<string, any>(prometheus.scrape_configs.map((job: any) => [job.job_name, job]));

  it('scrapes every studio service on its port', () => {
    expect(jobs.get('api').static_configs[0].targets).toEqual([`api:${environmentOf('api').PORT}`]);
    const worker = jobs.get('worker').dns_sd_configs[0];
    expect(worker.names).toEqual(['worker']);
    expect(worker.port).toBe(Number(environmentOf('worker').METRICS_PORT));
    expect(jobs.get('scheduler').static_configs[0].targets).toEqual([`scheduler:${environmentOf('scheduler').METRICS_PORT}`]);
    for (const job of jobs.values()) expect(job.metrics_path ?? '/metrics').toBe('/metrics');
  });

  it('mounts the files it provisions', () => {
    expect(services.prometheus.volumes).toContain('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    const datasource = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml').datasources[0];
    expect(datasource.url).toBe(`http://prometheus:${services.prometheus.ports[0].split(':').pop()}`);
    const provider = readYaml('deploy/grafana/provisioning/dashboards/dashboards.yml').providers[0];
    expect(services.grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider.options.path}:ro`);
  });

  describe('dashboard', () => {
    const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/studio.json'));
    const expressions: string[] = dashboard.panels.flatMap((panel: any) => panel.targets.map((target: any) => target.expr));
    let studio: TestStudio;
    let scraped: Scrape;

    beforeAll(async () => {
      studio = await startTestStudio();
      await studio.listen();
      // One request, so the request counter has a series.
      await fetch(`${studio.url}/health`);
      scraped = await scrape(`${studio.url}/metrics`);
    });

    afterAll(async () => {
      await studio?.close();
    });

    it('queries only metrics a studio exposes', () => {
      const unknown = expressions.flatMap(metricsOfExpression).filter((name) => !scraped.families.has(name));
      expect(unknown).toEqual([]);
    });

    it('has the panels operators need', () => {
      const joined = expressions.join('\n');
      expect(joined).toContain('rate(http_requests_total[5m])');
      expect(joined).toContain('scheduled_jobs_queued');
      expect(joined).toMatch(/histogram_quantile\(0\.95, sum by \(le, provider, model\) \(rate\(ai_provider_request_duration_seconds_bucket/);
      expect(joined).toContain('sum by (status) (rate(runs_finished_total[5m]))');
      for (const panel of dashboard.panels) expect(panel.datasource.uid, panel.title).toBe('prometheus');
    });
  });
});

describe('CI workflow', () => {
  const workflow = readYaml('.github/workflows/ci.yml');
  const job = workflow.jobs.test;
  const runs: string[] = job.steps.map((step: any) => step.run ?? '');

  it('tests on Node.js 20 with MongoDB', () => {
    const setupNode = job.steps.find((step: any) => String(step.uses).startsWith('actions/setup-node'));
    expect(String(setupNode.with['node-version'])).toBe('20');
    expect(runs.some((run) => run.trim().startsWith('npm ci'))).toBe(true);
    expect(runs).toContain('npm test');
    expect(job.env.MONGO_URL).toMatch(/replicaSet=rs0/);
    const mongo = runs.find((run) => run.includes('docker run'))!;
    expect(mongo).toContain('mongod --replSet rs0');
    expect(mongo).toContain('rs.initiate');
  });

  it('installs Chromium from apt before the tests', () => {
    const install = runs.findIndex((run) => /apt-get install -y .*chromium/.test(run));
    expect(install).toBeGreaterThanOrEqual(0);
    expect(install).toBeLessThan(runs.indexOf('npm test'));
  });
});

describe('Dockerfile', () => {
  const dockerfile = readRepoFile('Dockerfile');

  it('builds in stages, runs as non-root', () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.at(-1)![1]).toMatch(/-slim$/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toBe('root');
  });

  it('starts with --no-node-snapshot and checks health', () => {
    expect(dockerfile).toContain('ENTRYPOINT ["node", "--no-node-snapshot", "--import", "tsx", "runtime/src/main.ts"]');
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "scripts\/healthcheck\.mjs"\]$/m);
    expect(dockerfile).toMatch(new RegExp(`EXPOSE ${defaults.port}\\b`));
  });
});

describe('Makefile', () => {
  const targets = [...readRepoFile('Makefile').matchAll(/^([a-z-]+):/gm)].map((match) => match[1]);
  const readme = readRepoFile('README.md');

  it('has every target and README names them', () => {
    for (const target of ['help', 'install', 'dev', 'test', 'build', 'deploy', 'clean', 'migrate', 'seed', 'logs', 'backup', 'restore']) {
      expect(targets, target).toContain(target);
      expect(readme, target).toContain(`make ${target}`);
    }
  });
});

describe('Terraform', () => {
  /** Parses the named .tf files of a folder with HashiCorp's HCL parser (compiled to WebAssembly) and merges their blocks. */
  async function parseTerraform(folder: string, files: string[]): Promise<any> {
    const { parse } = await import('@cdktf/hcl2json');
    const merged: any = {};
    for (const file of files) {
      const parsed = await parse(file, readRepoFile(`${folder}/${file}`));
      for (const [block, content] of Object.entries(parsed)) merged[block] = { ...(merged[block] ?? {}), ...(content as object) };
    }
    return merged;
  }

  const parseInfrastructure = () => parseTerraform('infrastructure', ['versions.tf', 'variables.tf', 'main.tf', 'outputs.tf']);
  const parseStudioModule = () => parseTerraform('infrastructure/modules/studio-container', ['versions.tf', 'variables.tf', 'main.tf', 'outputs.tf']);

  /** Returns the environment that the studio-container module gives a role: `concat(var.env, ["ROLE=<role>"], var.extra_env)`. */
  const studioEnv = (studio: any, locals: any): string[] => {
    expect(studio.env).toBe('${local.studio_env}');
    return [...locals.studio_env, `ROLE=${studio.role}`, ...(studio.extra_env ?? [])];
  };

  it('declares the same stack as compose', async () => {
    const tf = await parseInfrastructure();
    const locals = tf.locals[0];
    const containers = tf.resource.docker_container;
    const studios = tf.module;

    expect(tf.terraform[0].required_providers[0].docker.source).toBe('kreuzwerker/docker');
    expect([...Object.keys(containers), ...Object.keys(studios)].sort()).toEqual(ALL_SERVICES.map((name) => name.replace('-', '_')).sort());
    const listed = envExampleNames();
    for (const role of STUDIO_SERVICES) {
      const studio = studios[role][0];
      expect(studio.source, role).toBe('./modules/studio-container');
      expect(studio.role, role).toBe(role);
      const env = studioEnv(studio, locals);
      for (const entry of env) expect(listed.has(entry.split('=')[0]), `${role}: ${entry}`).toBe(true);
    }
    expect(studios.worker[0].count).toBe('${var.worker_count}');
    expect(studioEnv(studios.worker[0], locals)).toContain(`METRICS_PORT=${environmentOf('worker').METRICS_PORT}`);
    expect(studios.api[0].published_port).toBe('${var.studio_port}');
    expect(tf.output.worker_names[0].value).toBe('${module.worker[*].name}');
    expect(containers.mongo[0].command).toEqual(['mongod', '--replSet', 'rs0', '--bind_ip_all']);
    expect(locals.mongo_health).toContain("rs.initiate({ _id: 'rs0'");
    const uploads = containers.prometheus[0].upload.map((upload: any) => upload.content);
    expect(uploads.join(' ')).toContain('deploy/prometheus/prometheus.yml');
  });

  it('runs each studio role as compose does', async () => {
    const tf = await parseInfrastructure();
    const studioModule = await parseStudioModule();
    const container = studioModule.resource.docker_container.studio[0];

    expect(studioModule.terraform[0].required_providers[0].docker.source).toBe('kreuzwerker/docker');
    expect(String(container.env)).toBe('${concat(var.env, ["ROLE=${var.role}"], var.extra_env)}');
    expect(container.healthcheck[0].test).toEqual(['CMD', 'node', 'scripts/healthcheck.mjs']);
    expect(container.networks_advanced[0].aliases).toEqual(['${var.role}']);
    expect(container.volumes[0].container_path).toBe('/data');
    expect(container.dynamic.ports[0].content[0].internal).toBe(defaults.port);
    // Every module input the root sets is declared, and every required input is set.
    const declared = studioModule.variable;
    for (const role of STUDIO_SERVICES) {
      const inputs = Object.keys(tf.module[role][0]).filter((key) => !['source', 'count', 'depends_on'].includes(key));
      for (const input of inputs) expect(declared[input], `${role}: ${input}`).toBeDefined();
      for (const [name, [variable]] of Object.entries(declared) as [string, any[]][]) {
        if (!('default' in variable)) expect(inputs, `${role} sets ${name}`).toContain(name);
      }
    }
  });
});
