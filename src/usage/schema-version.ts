// The ledger's schema as numbered versions, so a gateway changes the schema only when it is behind (a replica's start
// runs no DDL on a current ledger, and no DDL races another's) and `switchyard usage migrate` can do it on purpose.
// A ledger made before versions were kept reads as version 0: every step is idempotent (IF NOT EXISTS), so it is
// brought up to date without knowing which steps it already had.
import { addColumnStatements, namedUserIndex, schema, userColumnStatements, type Dialect } from './sql.ts';
import { auditSchema } from './audit.ts';

export interface SchemaStep {
  version: number;
  /** What the step adds, for `usage migrate`'s output. */
  what: string;
  statements(d: Dialect): string[];
}

export const SCHEMA_STEPS: readonly SchemaStep[] = [
  { version: 1, what: 'requests and hourly and daily rollups', statements: schema },
  { version: 2, what: "MCP tool calls' columns", statements: (d) => addColumnStatements(d) },
  { version: 3, what: 'the audit of dashboard and admin actions', statements: auditSchema },
  { version: 4, what: "requests' end users (end_user)", statements: (d) => userColumnStatements(d) },
  { version: 5, what: "the secrets guard's column", statements: (d) => addColumnStatements(d) },
  { version: 6, what: "the end users' index over the rows that name one", statements: namedUserIndex },
];

export const SCHEMA_VERSION = SCHEMA_STEPS[SCHEMA_STEPS.length - 1]!.version;

/** One row, the version the tables are at. */
export const VERSION_TABLE = 'usage_schema';

export const CREATE_VERSION_TABLE = `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)`;

export const READ_VERSION = `SELECT version FROM ${VERSION_TABLE} WHERE id = 1`;

/** Never lowers the version: a newer gateway may have migrated further than this one knows. */
export const WRITE_VERSION =
  `INSERT INTO ${VERSION_TABLE} (id, version) VALUES (1, ?) ` +
  `ON CONFLICT (id) DO UPDATE SET version = GREATEST(${VERSION_TABLE}.version, excluded.version)`;

/** The steps a ledger at `from` lacks. */
export function stepsAfter(from: number): SchemaStep[] {
  return SCHEMA_STEPS.filter((s) => s.version > from);
}
