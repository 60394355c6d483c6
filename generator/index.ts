/**
 * syncgen's generator, for programs that drive it (`@syncgen/cli`). The command line is `syncgen` (`generator/cli/`).
 */
export type { GeneratedFile } from './emit/generated-file.js';
export { generate, type GenerateOptions } from './generate.js';
export type { HandMigrationFolder } from './history/hand-migrations.js';
export type { HistorySource } from './history/version-file.js';
export { typecheckGenerated } from './typecheck.js';
export type { SchemaSource } from './validate/validate-schemas.js';
export { validateSchemas } from './validate/validate-schemas.js';
export {
  BreakingChangeError,
  formatIssue,
  GeneratedCodeError,
  GeneratorError,
  HandMigrationError,
  HistoryError,
  ImpossibleMigrationError,
  SCHEMA_ISSUE_CODES,
  SchemaValidationError,
  type BreakingChange,
  type SchemaIssue,
  type SchemaIssueCode,
} from './errors.js';
