/**
 * One adapter per model: its fields with their codecs, references and prepared SQL, rendered from
 * `templates/adapter.hbs`.
 */
import type { Strategy } from 'syncgen/contract';
import { clockColumn } from 'syncgen/contract';
import { modelSql, referenceSql } from '../layout/adapter-sql.js';
import type { ModelSpec } from '../model-spec.js';
import { codecSource } from './codec-recipe.js';
import { codeFile, type GeneratedFile } from './generated-file.js';
import { templates } from './templates.js';
import { tsLiteral, tsString, tsUnion } from './ts-literal.js';

/** One line per strategy (a new strategy without its line fails `tsc`). */
const STRATEGY_DOC: { readonly [S in Strategy]: string } = {
  stateBased: 'each record is written only by the device in its owner field; peers mirror it, newest owner version wins.',
  logBased: 'any device writes; concurrent edits resolve per field, highest HLC wins; deletes are final.',
  hybrid: 'shared fields sync like logBased; perDevice fields are kept per device, each written only by its device.',
};

export function emitAdapter(model: ModelSpec): GeneratedFile {
  const sql = modelSql(model);
  const clocked = model.strategy !== 'stateBased';
  const view = {
    ...model,
    strategyDoc: STRATEGY_DOC[model.strategy],
    optionalKeys: tsUnion(model.fields.filter((field) => field.optionalOnCreate).map((field) => field.name)),
    owner: model.owner === null ? 'null' : tsString(model.owner),
    fields: model.fields.map((field) => ({
      name: field.name,
      kind: field.kind,
      nullable: field.nullable,
      optionalOnCreate: field.optionalOnCreate,
      enumValues: field.enumValues === undefined ? null : tsLiteral(field.enumValues),
      hasDefault: field.default !== undefined,
      defaultValue: field.default === undefined ? null : tsLiteral(field.default),
      perDevice: field.perDevice,
      clockColumn: clocked && !field.perDevice && field.name !== model.primaryKey ? tsString(clockColumn(field.name)) : 'null',
      codec: codecSource(field),
    })),
    references: model.fields.flatMap((field) => {
      if (!field.reference) return [];
      const statements = referenceSql(model, field.name);
      return [
        {
          field: field.name,
          model: field.reference.model,
          onDelete: field.reference.onDelete,
          nullable: field.nullable,
          selectChildren: statements.selectChildren,
          clearReference: field.reference.onDelete === 'setNull' ? `\`${statements.clearReference}\`` : 'null',
        },
      ];
    }),
    sql,
    merge: sql.merge === null ? 'null' : `\`${sql.merge}\``,
    device: sql.device,
  };
  return codeFile(`adapters/${model.fileStem}.ts`, model.file, templates.adapter(view));
}
