/**
 * syncgen's generator, for programs that drive it (`syncgen/generator`). The CLI is `syncgen generate`.
 */
export { generate, type GenerateOptions } from './generate.js';
export type { GeneratedFile } from './generated-file.js';
export type { SchemaSource } from './schema-validator.js';
export { validateSchemas } from './schema-validator.js';
export type { SnapshotSource } from './snapshot.js';
export { typecheckGenerated } from './typecheck.js';
export {
  BreakingChangeError,
  formatIssue,
  GeneratedCodeError,
  GeneratorError,
  ImpossibleMigrationError,
  SCHEMA_ISSUE_CODES,
  SchemaValidationError,
  SnapshotError,
  type BreakingChange,
  type SchemaIssue,
  type SchemaIssueCode,
} from './errors.js';
