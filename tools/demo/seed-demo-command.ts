import { configFromEnvironment } from '../../src-server/service.js';
import { seedDemo } from './seed-demo.js';

// npm run seed-demo: the demo's units, people, cards and documents (1033151119 …) in the service's
// data folder (GONGWEN_DATA_DIR, or DATABASE_URL), then nothing else. A tool for trying the system
// and for the tests, not a command of the service an agency runs: it is not in the service's CLI.
try {
  await seedDemo(configFromEnvironment(process.env));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
