// The shape every benchmark scenario has: a name for the CLI and a run that returns table rows.
import type { Row } from './report.ts';

export interface Scenario {
  /** CLI name, e.g. `npm run bench -- overhead`. */
  name: string;
  /** Table label. */
  title: string;
  run(log: (line: string) => void): Promise<Row[]>;
}
