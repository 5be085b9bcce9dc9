// cases.test.mjs - every tests/integration/cases/**/*.json file is one test,
// each against its own freshly started server (fresh database).
import { describe, it } from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import { findCaseFiles, loadCase, runCase } from './lib/cases.mjs';
import { startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const casesDir = path.join(here, 'cases');

describe('cases', { concurrency: 4 }, () => {
  for (const file of findCaseFiles(casesDir)) {
    const name = path.relative(casesDir, file).replace(/\.json$/, '');
    it(name, { timeout: 60000 }, async () => {
      const c = loadCase(file);
      const server = await startServer({ now: c.server?.now, args: c.server?.args ?? [] });
      try {
        await runCase(c, server, file);
      } finally {
        const stop = await server.stop();
        server.cleanup();
        assert.ok(stop.exitedZero, `server exit ${JSON.stringify(stop)}:\n${server.stderr().slice(-2000)}`);
      }
    });
  }
});
