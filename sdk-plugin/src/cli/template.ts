/** Files of the project that `gestorlead-plugin init` writes. */

/** Versions the template's devDependencies pin: the ones this SDK is tested with. */
export const TEMPLATE_TOOL_VERSIONS = { typescript: '5.9.3', vitest: '4.1.12' } as const;

/** Values filled into the template. */
export interface TemplateValues {
  /** Plugin name, valid for the manifest. */
  name: string;
  /** Version of `@gestorlead/sdk-plugin` the project depends on. */
  sdkVersion: string;
}

function displayNameOf(name: string): string {
  return name
    .split('-')
    .filter((word) => word !== '')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}

function packageJson(values: TemplateValues): string {
  const manifest = {
    name: `gestorlead-plugin-${values.name}`,
    version: '0.1.0',
    private: true,
    type: 'module',
    description: `GestorLead Studio plugin "${values.name}"`,
    scripts: {
      test: 'gestorlead-plugin test',
      typecheck: 'tsc --noEmit',
      validate: 'gestorlead-plugin validate',
      package: 'gestorlead-plugin pack',
    },
    dependencies: { '@gestorlead/sdk-plugin': values.sdkVersion },
    devDependencies: {
      typescript: TEMPLATE_TOOL_VERSIONS.typescript,
      vitest: TEMPLATE_TOOL_VERSIONS.vitest,
    },
  };
  return JSON.stringify(manifest, null, 2) + '\n';
}

// `lib` is ES2022 without DOM and `types` is empty, so the type checker rejects the Node and
// browser APIs that the sandbox does not have.
const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022"],
    "types": [],
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "strict": true,
    "isolatedModules": true,
    "verbatimModuleSyntax": true,
    "skipLibCheck": true,
    "noEmit": true
  },
  "include": ["src"]
}
`;

function indexTs(values: TemplateValues): string {
  return `import {
  defineAction,
  defineCredentialType,
  definePlugin,
  outputs,
  p,
  PluginError,
} from '@gestorlead/sdk-plugin/plugin';

/** An API key for the quotes service; \`p.secret\` keeps it masked in the studio. */
const apiKey = defineCredentialType({
  name: 'apiKey',
  displayName: 'Quotes API key',
  properties: {
    key: p.secret({ displayName: 'API key', required: true }),
  },
});

/** Calls an external API through ctx.http, the only way out of the sandbox. */
const fetchQuote = defineAction({
  name: 'fetchQuote',
  version: 1,
  displayName: 'Fetch quote',
  description: 'Fetches a random quote of the chosen category.',
  group: 'Quotes',
  config: {
    category: p.select({
      displayName: 'Category',
      options: [
        { value: 'life', label: 'Life' },
        { value: 'work', label: 'Work' },
      ],
      default: 'life',
    }),
  },
  credentials: [{ slot: 'account', type: apiKey, required: true }],
  async run(ctx) {
    const response = await ctx.http.request({
      url: 'https://api.example.com/v1/quotes/random',
      query: { category: ctx.config.category },
      headers: { authorization: \`Bearer \${ctx.credentials.account.key}\` },
      timeoutMs: 10_000,
    });
    if (response.status === 429 || response.status >= 500) {
      throw new PluginError('QUOTES_UNAVAILABLE', \`the quotes API responded with \${response.status}\`, {
        retryable: true,
        details: { status: response.status },
      });
    }
    if (response.status !== 200) {
      throw new PluginError('QUOTES_REQUEST_FAILED', \`the quotes API responded with \${response.status}\`, {
        details: { status: response.status },
      });
    }

    const quote = response.body as { text: string; author: string };
    ctx.log.info('fetched a quote', { category: ctx.config.category });
    return { text: quote.text, author: quote.author };
  },
});

/** A pure action: no HTTP, two output ports. */
const greet = defineAction({
  name: 'greet',
  version: 1,
  displayName: 'Greet',
  description: 'Builds a greeting for the name in its input; an input without a name goes to "missing".',
  config: {
    greeting: p.text({ displayName: 'Greeting', default: 'Hello', placeholder: 'Hello' }),
    shout: p.boolean({ displayName: 'Shout', description: 'Write the greeting in capitals.' }),
  },
  outputs: ['out', 'missing'],
  run(ctx) {
    const lead = ctx.input.in as { name?: unknown } | undefined;
    const name = typeof lead?.name === 'string' ? lead.name.trim() : '';
    if (name === '') {
      return outputs({ missing: { reason: 'the input has no name' } });
    }
    const text = \`\${ctx.config.greeting}, \${name}!\`;
    return { text: ctx.config.shout === true ? text.toUpperCase() : text };
  },
});

export default definePlugin({
  name: '${values.name}',
  version: '0.1.0',
  runtime: '^${values.sdkVersion}',
  displayName: '${displayNameOf(values.name)}',
  description: 'Quotes and greetings: an example plugin made by gestorlead-plugin init.',
  permissions: { hosts: ['api.example.com'] },
  actions: [fetchQuote, greet],
});
`;
}

const INDEX_TEST_TS = `import { describe, expect, it } from 'vitest';
import { ActionFailedError, ActionInputError, runAction } from '@gestorlead/sdk-plugin/testing';

import plugin from '../src/index.js';

const credentials = { account: { key: 'test-key' } };
const quoteUrl = 'https://api.example.com/v1/quotes/random';

describe('fetchQuote', () => {
  it('returns the quote of the category', async () => {
    const result = await runAction(plugin, 'fetchQuote', {
      config: { category: 'work' },
      credentials,
      http: { [\`GET \${quoteUrl}\`]: { body: { text: 'Ship it.', author: 'Ana' } } },
    });

    expect(result.outputs).toEqual({ out: { text: 'Ship it.', author: 'Ana' } });
    expect(result.requests).toHaveLength(1);
    expect(result.requests[0].url).toBe(\`\${quoteUrl}?category=work\`);
    expect(result.requests[0].headers.authorization).toBe('Bearer test-key');
    expect(result.logs).toContainEqual({ level: 'info', message: 'fetched a quote', data: { category: 'work' } });
  });

  it('uses the default category', async () => {
    const result = await runAction(plugin, 'fetchQuote', {
      credentials,
      http: { [\`GET \${quoteUrl}\`]: { body: { text: 'Rest.', author: 'Bo' } } },
    });

    expect(result.requests[0].url).toBe(\`\${quoteUrl}?category=life\`);
  });

  it('fails retryably when the API is down', async () => {
    const run = runAction(plugin, 'fetchQuote', {
      credentials,
      http: { [\`GET \${quoteUrl}\`]: { status: 503, body: 'unavailable' } },
    });

    await expect(run).rejects.toBeInstanceOf(ActionFailedError);
    await expect(run).rejects.toMatchObject({ code: 'QUOTES_UNAVAILABLE', retryable: true });
  });

  it('rejects an unknown category', async () => {
    const run = runAction(plugin, 'fetchQuote', { config: { category: 'sports' }, credentials });

    await expect(run).rejects.toBeInstanceOf(ActionInputError);
  });
});

describe('greet', () => {
  it('greets with the default greeting', async () => {
    const result = await runAction(plugin, 'greet', { input: { in: { name: 'Ana' } } });

    expect(result.outputs).toEqual({ out: { text: 'Hello, Ana!' } });
  });

  it('shouts when configured', async () => {
    const result = await runAction(plugin, 'greet', {
      config: { greeting: 'Hi', shout: true },
      input: { in: { name: 'Ana' } },
    });

    expect(result.outputs).toEqual({ out: { text: 'HI, ANA!' } });
  });

  it('sends input without a name to missing', async () => {
    const result = await runAction(plugin, 'greet', { input: { in: {} } });

    expect(result.outputs).toEqual({ missing: { reason: 'the input has no name' } });
  });
});
`;

function readme(values: TemplateValues): string {
  return `# ${displayNameOf(values.name)}

A GestorLead Studio plugin. The guide to the SDK is the README of \`@gestorlead/sdk-plugin\`.

\`\`\`sh
npm install
npm test                 # gestorlead-plugin test: the tests in test/, offline
npm run typecheck        # tsc: src/ may use only what the sandbox has
npm run validate         # bundle the plugin and check its manifest
npm run package          # write dist/${values.name}-<version>.plugin.json
npx gestorlead-plugin publish --url http://127.0.0.1:8000
\`\`\`

Bump \`version\` in \`src/index.ts\` before you publish a change; \`package.json\`'s version is
not read.
`;
}

const GITIGNORE = `node_modules/
dist/
`;

/** Returns the template's files by path relative to the project directory. */
export function templateFiles(values: TemplateValues): Record<string, string> {
  return {
    'package.json': packageJson(values),
    'tsconfig.json': TSCONFIG,
    'src/index.ts': indexTs(values),
    'test/index.test.ts': INDEX_TEST_TS,
    'README.md': readme(values),
    '.gitignore': GITIGNORE,
  };
}
