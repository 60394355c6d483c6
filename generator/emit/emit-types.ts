/**
 * Model types, by json-schema-to-typescript from each schema's stored-record form. Its banner and
 * formatter are off, so the output depends on the schema alone, not on a formatter's version.
 */
import { compile } from 'json-schema-to-typescript';
import type { ModelSpec } from '../model-spec.js';
import { codeFile, type GeneratedFile } from './generated-file.js';

export async function emitModelType(model: ModelSpec): Promise<GeneratedFile> {
  const body = await compile(structuredClone(model.typeSchema) as Parameters<typeof compile>[0], model.name, {
    bannerComment: '',
    format: false,
    additionalProperties: false,
    declareExternallyReferenced: true,
    unknownAny: true,
    // No $ref is allowed in schemas, so nothing is ever read from disk; this only pins the option.
    cwd: '/',
  });
  return codeFile(`types/${model.fileStem}.ts`, model.file, body);
}
