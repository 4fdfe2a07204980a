import { Command, CommanderError } from 'commander';
import { isRosterError } from '../core/errors.ts';
import { registerCommands } from './commands.ts';

const EXAMPLES = `
Examples:
  roster inspect examples/contacts.csv           what Roster sees in a file and how it would map it
  roster inspect examples/leads.xlsx --json      the same as one JSON object
  roster inspect data.csv --map "Mail=email" --remember
                                                 fix a column by hand and remember it for next time
  roster import examples/contacts.csv --default-country US --dry-run
                                                 what an import would do, without writing
  roster import examples/contacts.csv --default-country US --tag nov --segment "November Import"
  roster history                                 past imports; roster show JOB, roster rollback JOB
  roster export --where 'lead_score > 50' --out hot.xlsx
                                                 contacts that match a filter, as a spreadsheet
  roster migrate                                 create or upgrade the database (./roster-data)
`;

/**
 * Entry point of the `roster` command.
 *
 * @example
 * await main(['node', 'roster', 'inspect', 'contacts.csv', '--json']);
 */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('roster')
    .description('Roster: import and export contacts')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  program.addHelpText('after', EXAMPLES);
  if (argv.length <= 2) {
    process.stdout.write(`${program.helpInformation()}${EXAMPLES}\n`);
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (isRosterError(err)) {
      const where = [
        err.details.row !== undefined ? `row ${err.details.row}` : '',
        err.details.column !== undefined ? `column "${err.details.column}"` : '',
      ]
        .filter(Boolean)
        .join(', ');
      process.stderr.write(`roster: ${err.code}: ${err.message}${where ? ` (${where})` : ''}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      `roster: INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}
