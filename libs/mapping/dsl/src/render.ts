/**
 * Renders mapping documents as the human "Mifos–openIMIS fields mapping document": one Markdown section per
 * document with a table of target field, source, rule and notes. Generated, never edited by hand.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readMappingFile, listMappingFiles } from './load';
import { compileMapping } from './compile';
import { MAPPING_TARGETS } from './targets';
import { TRANSFORMS } from './transforms';
import type {
  Condition,
  FieldRule,
  IdentityMode,
  IdentityRule,
  JsonValue,
  MappingDocument,
  TransformSpec,
} from './types';

/** A document to render, with the file it came from when known. */
export interface RenderableMapping {
  readonly document: MappingDocument;
  readonly file?: string;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function json(v: JsonValue | undefined): string {
  return JSON.stringify(v) ?? 'undefined';
}

function code(text: string): string {
  return `\`${text}\``;
}

function sourceOf(rule: FieldRule, root: string): string {
  if (rule.from !== undefined) {
    const paths = typeof rule.from === 'string' ? [rule.from] : rule.from;
    return paths.map((p) => code(`${root}.${p}`)).join(', else ');
  }
  if (rule.template !== undefined) {
    return `text ${code(rule.template.replace(/\{([^{}]*)\}/g, (_m, p: string) => `{${root}.${p.trim()}}`))}`;
  }
  if (rule.config !== undefined) {
    return `config ${code(rule.config)}`;
  }
  return `constant ${code(json(rule.const))}`;
}

const MODE_TEXT: Readonly<Record<IdentityMode, string>> = {
  uuid: 'UUID (the openIMIS default)',
  code: 'code (`default_response_identifier` set to codes)',
};

function identityLines(identity: IdentityRule, root: string): string[] {
  const paths = (value: string | readonly string[]): string =>
    (typeof value === 'string' ? [value] : value).map((p) => code(`${root}.${p}`)).join(', else ');
  const lines = [
    `- openIMIS identity modes accepted: ${identity.modes.map((m) => MODE_TEXT[m]).join('; ')}`,
    `- Link key (openIMIS UUID): ${paths(identity.key)}`,
  ];
  if (identity.code !== undefined) {
    lines.push(`- Business code: ${paths(identity.code)}`);
  }
  if (identity.notes !== undefined) {
    lines.push(`- Identity: ${cell(identity.notes)}`);
  }
  return lines;
}

function transformText(spec: TransformSpec): string {
  if (typeof spec === 'string') {
    return spec;
  }
  const [name = '', arg] = Object.entries(spec)[0] ?? [];
  return `${name} ${json(arg)}`;
}

function conditionText(cond: Condition, root: string): string {
  if (cond.not !== undefined) {
    return `not (${conditionText(cond.not, root)})`;
  }
  if (cond.all !== undefined) {
    return cond.all.map((c) => conditionText(c, root)).join(' and ');
  }
  if (cond.any !== undefined) {
    return `(${cond.any.map((c) => conditionText(c, root)).join(' or ')})`;
  }
  const subject =
    cond.path !== undefined ? code(`${root}.${cond.path}`) : `config ${code(cond.config ?? '')}`;
  if (cond.exists !== undefined) {
    return `${subject} ${cond.exists ? 'exists' : 'is missing'}`;
  }
  if (cond.in !== undefined) {
    return `${subject} in ${code(json(cond.in))}`;
  }
  return `${subject} = ${code(json(cond.equals))}`;
}

function ruleText(rule: FieldRule, root: string): string {
  const parts: string[] = [];
  if (rule.when !== undefined) {
    parts.push(`only if ${conditionText(rule.when, root)}`);
  }
  if (rule.transform !== undefined && rule.transform.length > 0) {
    parts.push(rule.transform.map((t) => code(transformText(t))).join(' → '));
  }
  if (rule.lookup !== undefined) {
    parts.push(`lookup ${code(rule.lookup)}`);
  }
  if (rule.default !== undefined) {
    parts.push(rule.default === null ? 'left out when missing' : `default ${code(json(rule.default))}`);
  }
  if (rule.required !== undefined && rule.required !== false) {
    const spec = rule.required === true ? {} : rule.required;
    parts.push(
      `**required**${spec.error === 'mapping' ? ' (422)' : ''}${spec.message === undefined ? '' : `: ${spec.message}`}`,
    );
  }
  if (rule.each !== undefined) {
    parts.push('one object per item (see below)');
  }
  return parts.join('; ');
}

function fieldRows(
  fields: Readonly<Record<string, FieldRule>>,
  doc: MappingDocument,
  root: string,
  prefix: string,
): string[] {
  const rows: string[] = [];
  for (const [name, rule] of Object.entries(fields)) {
    rows.push(
      `| ${code(prefix + name)} | ${cell(sourceOf(rule, root))} | ${cell(ruleText(rule, root))} | ${cell(rule.notes ?? '')} |`,
    );
    if (rule.each !== undefined && rule.from !== undefined) {
      const from = typeof rule.from === 'string' ? rule.from : (rule.from[0] ?? '');
      rows.push(
        ...fieldRows(rule.each, doc, `${root}.${from.replace(/\[\*\]$/, '')}[i]`, `${prefix}${name}[].`),
      );
    }
  }
  return rows;
}

function renderOne({ document: doc, file }: RenderableMapping): string {
  const target = MAPPING_TARGETS[doc.target];
  const lines = [`## ${doc.id}: ${doc.source} → ${doc.target}`, ''];
  if (doc.description !== undefined) {
    lines.push(doc.description, '');
  }
  lines.push(`- openIMIS resource: FHIR R4 ${code(doc.source)}`);
  lines.push(`- Fineract call: ${target === undefined ? code(doc.target) : code(target.endpoint)}`);
  if (file !== undefined) {
    lines.push(`- Mapping document: ${code(file)}`);
  }
  if (doc.identity !== undefined) {
    lines.push(...identityLines(doc.identity, doc.source));
  }
  lines.push('', '| Fineract field | openIMIS source | Rule | Notes |', '|---|---|---|---|');
  lines.push(...fieldRows(doc.fields, doc, doc.source, ''));
  lines.push('');
  for (const [name, table] of Object.entries(doc.lookups ?? {})) {
    lines.push(`Lookup ${code(name)}:`, '');
    if (typeof table.$config === 'string') {
      lines.push(`taken from config ${code(table.$config)} (code → value) at run time.`, '');
      continue;
    }
    lines.push('| openIMIS code | Fineract value |', '|---|---|');
    for (const [k, v] of Object.entries(table)) {
      lines.push(`| ${code(k)} | ${code(json(v))} |`);
    }
    lines.push('');
  }
  if (doc.notes !== undefined) {
    lines.push(doc.notes, '');
  }
  return lines.join('\n');
}

/**
 * Renders mapping documents as Markdown.
 *
 * @param docs - documents (with their files) in the order to render
 * @param title - top heading
 * @returns Markdown text ending with a newline
 */
export function renderMappingMarkdown(
  docs: readonly RenderableMapping[],
  title = 'Mifos–openIMIS fields mapping',
): string {
  const used = new Set<string>();
  for (const { document } of docs) {
    const walk = (fields: Readonly<Record<string, FieldRule>>): void => {
      for (const rule of Object.values(fields)) {
        for (const t of rule.transform ?? []) {
          used.add(typeof t === 'string' ? t : (Object.keys(t)[0] ?? ''));
        }
        if (rule.each !== undefined) {
          walk(rule.each);
        }
      }
    };
    walk(document.fields);
  }
  const lines = [
    `# ${title}`,
    '',
    '<!-- Generated from the mapping documents by libs/mapping/dsl/src/cli/render-docs.ts: do not edit. -->',
    '',
    'Each table lists the fields sent to Fineract, where each comes from in the openIMIS FHIR resource, and the',
    'rule applied on the way: transforms in order, then lookup, default, and whether a missing value is an error.',
    'A field whose value is missing is left out of the request; no other key is ever sent (Fineract rejects unknown keys).',
    '',
    ...docs.map(renderOne),
  ];
  if (used.size > 0) {
    lines.push('## Transforms used', '', '| Transform | Meaning |', '|---|---|');
    for (const name of [...used].sort()) {
      lines.push(`| ${code(name)} | ${cell(TRANSFORMS.get(name)?.description ?? '')} |`);
    }
    lines.push('');
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

/**
 * Renders the mapping documents of every app of a workspace (`apps/<app>/mappings/*.mapping.json`) as
 * `docs/mappings/<app>.md`, those of the flow libraries (`libs/flows/<lib>/mappings/`, documents several apps run)
 * as `docs/mappings/flows-<lib>.md`, plus `docs/mappings/README.md` as an index. Documents are compiled first, so a
 * broken document fails here too.
 *
 * @param root - workspace root
 * @returns workspace-relative path → file content
 */
export function renderWorkspaceMappingDocs(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const appsDir = join(root, 'apps');
  const index = [
    '# Mifos–openIMIS fields mapping documents',
    '',
    '<!-- Generated from the mapping documents by libs/mapping/dsl/src/cli/render-docs.ts: do not edit. -->',
    '',
    'One page per mediator and per flow library with mapping documents; each is generated from the documents',
    '(`apps/<app>/mappings/*.mapping.json`, `libs/flows/<lib>/mappings/*.mapping.json`). Regenerate with',
    '`npx tsx libs/mapping/dsl/src/cli/render-docs.ts`.',
    '',
  ];
  const subdirs = (parent: string): string[] =>
    existsSync(parent)
      ? readdirSync(parent)
          .filter((name) => statSync(join(parent, name)).isDirectory())
          .sort()
      : [];
  const flowsDir = join(root, 'libs', 'flows');
  const sources = [
    ...subdirs(appsDir).map((app) => ({ app, dir: join(appsDir, app, 'mappings') })),
    ...subdirs(flowsDir).map((lib) => ({ app: `flows-${lib}`, dir: join(flowsDir, lib, 'mappings') })),
  ];
  for (const { app, dir } of sources) {
    let paths: string[];
    try {
      paths = listMappingFiles(dir);
    } catch {
      continue;
    }
    if (paths.length === 0) {
      continue;
    }
    const docs = paths.map((path): RenderableMapping => {
      const document = compileMapping(readMappingFile(path), { file: path }).document;
      return { document, file: relative(root, path).split(sep).join('/') };
    });
    files.set(`docs/mappings/${app}.md`, renderMappingMarkdown(docs, `${app}: fields mapping`));
    index.push(`## [${app}](${app}.md)`, '');
    for (const { document } of docs) {
      index.push(
        `- ${code(document.id)}: ${document.source} → ${code(document.target)}${document.description === undefined ? '' : `. ${document.description}`}`,
      );
    }
    index.push('');
  }
  files.set('docs/mappings/README.md', `${index.join('\n').trimEnd()}\n`);
  return files;
}
