/**
 * Loading mapping documents from disk: `apps/<app>/mappings/*.mapping.json`. Load at boot, once: a bad
 * document stops the mediator with every problem listed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compileMapping, MappingDocumentError, type CompileOptions } from './compile';
import type { CompiledMapping } from './types';

/** File name suffix of mapping documents. */
export const MAPPING_FILE_SUFFIX = '.mapping.json';

/**
 * Reads and parses a mapping document without compiling it.
 *
 * @param path - path of a `*.mapping.json` file
 * @returns the parsed JSON
 * @throws MappingDocumentError when the file is not valid JSON
 */
export function readMappingFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MappingDocumentError(path, [
      `${basename(path)}: invalid JSON: ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
}

/**
 * Loads and compiles one mapping document.
 *
 * @param path - path of a `*.mapping.json` file
 * @param options - compile options (`file` is set to `path`)
 * @returns the compiled mapping
 * @throws MappingDocumentError naming the file and the JSON pointer of every problem
 */
export function loadMappingFile(path: string, options: Omit<CompileOptions, 'file'> = {}): CompiledMapping {
  return compileMapping(readMappingFile(path), { ...options, file: path });
}

/**
 * The `*.mapping.json` files of a directory, sorted by name.
 *
 * @param dir - directory
 * @returns absolute or relative paths as `join(dir, name)`
 */
export function listMappingFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(MAPPING_FILE_SUFFIX))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Loads and compiles every `*.mapping.json` of a directory. All files are checked before failing, so one
 * error report lists every problem.
 *
 * @param dir - e.g. `apps/insuree-mediator/mappings`
 * @param options - compile options
 * @returns compiled mappings by document id
 * @throws MappingDocumentError listing the problems of every bad file
 */
export function loadMappingDir(
  dir: string,
  options: Omit<CompileOptions, 'file'> = {},
): Map<string, CompiledMapping> {
  const out = new Map<string, CompiledMapping>();
  const problems: string[] = [];
  for (const file of listMappingFiles(dir)) {
    try {
      const mapping = loadMappingFile(file, options);
      out.set(mapping.id, mapping);
    } catch (err) {
      if (err instanceof MappingDocumentError) {
        problems.push(...err.problems);
      } else {
        throw err;
      }
    }
  }
  if (problems.length > 0) {
    throw new MappingDocumentError(dir, problems);
  }
  return out;
}
