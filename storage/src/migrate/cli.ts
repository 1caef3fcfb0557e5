import { runMigrateCommand } from './command.js';

process.exitCode = await runMigrateCommand(process.argv.slice(2));
