/** The importers by format name, as `shopfusion import <format>` names them. */
import { ShopfusionError } from '../../core/errors.js';
import { csvImporter } from './csv.js';
import { jsonlImporter } from './jsonl.js';
import { movielensImporter } from './movielens.js';
import { recboleImporter } from './recbole.js';
import { s3recImporter } from './s3rec.js';
import { sessionCsvImporter } from './session-csv.js';
import type { Importer } from './types.js';

export const IMPORTERS: readonly Importer[] = [
  jsonlImporter,
  csvImporter,
  movielensImporter,
  recboleImporter,
  s3recImporter,
  sessionCsvImporter,
];

export function importerFor(format: string): Importer {
  const importer = IMPORTERS.find((i) => i.format === format);
  if (!importer) {
    throw new ShopfusionError('invalid_argument', `unknown import format ${JSON.stringify(format)}; use one of: ${IMPORTERS.map((i) => i.format).join(', ')}`);
  }
  return importer;
}
