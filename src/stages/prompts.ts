import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export type TemplateValue = string | number | readonly string[];
export type TemplateVariables = Record<string, TemplateValue>;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/*
 * Template syntax (a small Handlebars subset, no HTML escaping):
 *   {{name}}                       the value; a list is joined with newlines
 *   {{#each list}}…{{/each}}       repeats the body; inside, {{this}} is the item, {{@number}} its 1-based position
 *   {{#if name}}…{{else}}…{{/if}}  the first part when the value is a non-blank string, a number or a non-empty list
 * A block tag alone on its line takes its line break with it, so blocks do not leave blank lines.
 * Every name must be supplied, even one only tested by #if (pass '' to switch a part off).
 */

type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'value'; name: string }
  | { kind: 'each'; name: string; body: TemplateNode[] }
  | { kind: 'if'; name: string; then: TemplateNode[]; otherwise: TemplateNode[] };

const TAG = /\{\{\s*([#/]?)\s*([^{}]*?)\s*\}\}/gu;
const STANDALONE_BLOCK_TAG = /^[ \t]*(\{\{\s*(?:[#/][^{}]*|else)\s*\}\})[ \t]*\r?\n/gmu;
const NAME = /^@?[A-Za-z_][A-Za-z0-9_]*$/u;
const LOOP_NAMES = new Set(['this', '@number', '@index']);

function compileTemplate(template: string): TemplateNode[] {
  const source = template.replace(STANDALONE_BLOCK_TAG, '$1');
  const root: TemplateNode[] = [];
  type OpenBlock = { node: Extract<TemplateNode, { kind: 'each' | 'if' }>; inElse: boolean };
  const stack: OpenBlock[] = [];
  const currentList = (): TemplateNode[] => {
    const top = stack.at(-1);
    if (!top) return root;
    if (top.node.kind === 'each') return top.node.body;
    return top.inElse ? top.node.otherwise : top.node.then;
  };
  const pushText = (text: string): void => {
    if (text.includes('{{') || text.includes('}}')) {
      throw new TemplateError(`malformed placeholder near ${JSON.stringify(text.slice(text.search(/\{\{|\}\}/u), 40))}`);
    }
    if (text !== '') currentList().push({ kind: 'text', text });
  };

  let position = 0;
  for (const match of source.matchAll(TAG)) {
    pushText(source.slice(position, match.index));
    position = match.index + match[0].length;
    const sigil = match[1] ?? '';
    const body = match[2] ?? '';
    if (sigil === '#') {
      const [helper = '', name = '', ...extra] = body.split(/\s+/u);
      if ((helper !== 'each' && helper !== 'if') || !NAME.test(name) || extra.length > 0) {
        throw new TemplateError(`unknown block {{#${body}}} (use {{#each name}} or {{#if name}})`);
      }
      const node: OpenBlock['node'] =
        helper === 'each' ? { kind: 'each', name, body: [] } : { kind: 'if', name, then: [], otherwise: [] };
      currentList().push(node);
      stack.push({ node, inElse: false });
    } else if (sigil === '/') {
      const top = stack.pop();
      if (!top || top.node.kind !== body) {
        throw new TemplateError(`{{/${body}}} does not close an open block${top ? ` (open: {{#${top.node.kind} ${top.node.name}}})` : ''}`);
      }
    } else if (body === 'else') {
      const top = stack.at(-1);
      if (!top || top.node.kind !== 'if' || top.inElse) throw new TemplateError('{{else}} outside an {{#if}} block');
      top.inElse = true;
    } else {
      if (!NAME.test(body) && body !== 'this') throw new TemplateError(`invalid placeholder {{${body}}}`);
      currentList().push({ kind: 'value', name: body });
    }
  }
  pushText(source.slice(position));
  const unclosed = stack.at(-1);
  if (unclosed) throw new TemplateError(`block {{#${unclosed.node.kind} ${unclosed.node.name}}} is never closed`);
  return root;
}

interface LoopScope {
  item: string;
  index: number;
}

function lookup(name: string, variables: TemplateVariables, loop: LoopScope | undefined): TemplateValue {
  if (LOOP_NAMES.has(name)) {
    if (!loop) throw new TemplateError(`placeholder {{${name}}} is only valid inside {{#each}}`);
    if (name === 'this') return loop.item;
    return name === '@index' ? loop.index : loop.index + 1;
  }
  if (!Object.prototype.hasOwnProperty.call(variables, name)) {
    const known = Object.keys(variables);
    throw new TemplateError(
      `missing value for placeholder {{${name}}} (supplied: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
  }
  return variables[name] as TemplateValue;
}

function renderNodes(nodes: TemplateNode[], variables: TemplateVariables, loop: LoopScope | undefined): string {
  let output = '';
  for (const node of nodes) {
    if (node.kind === 'text') {
      output += node.text;
    } else if (node.kind === 'value') {
      const value = lookup(node.name, variables, loop);
      output += typeof value === 'object' ? value.join('\n') : String(value);
    } else if (node.kind === 'each') {
      const value = lookup(node.name, variables, loop);
      if (typeof value !== 'object') throw new TemplateError(`{{#each ${node.name}}} needs a list, got ${typeof value}`);
      value.forEach((item, index) => {
        output += renderNodes(node.body, variables, { item, index });
      });
    } else {
      const value = lookup(node.name, variables, loop);
      const isTrue = typeof value === 'object' ? value.length > 0 : typeof value === 'number' || value.trim() !== '';
      output += renderNodes(isTrue ? node.then : node.otherwise, variables, loop);
    }
  }
  return output;
}

export function renderTemplate(template: string, variables: TemplateVariables): string {
  return renderNodes(compileTemplate(template), variables, undefined);
}

/** Variable names a template uses (loop-only names excluded), in first-use order. */
export function templatePlaceholders(template: string): string[] {
  const names = new Set<string>();
  const visit = (nodes: TemplateNode[]): void => {
    for (const node of nodes) {
      if (node.kind === 'text') continue;
      if (!LOOP_NAMES.has(node.name)) names.add(node.name);
      if (node.kind === 'each') visit(node.body);
      if (node.kind === 'if') {
        visit(node.then);
        visit(node.otherwise);
      }
    }
  };
  visit(compileTemplate(template));
  return [...names];
}

const FrontMatterSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/u, 'id must be lower-case letters, digits and hyphens'),
  version: z.number().int().positive(),
  role: z.string().min(1),
  description: z.string().optional(),
  /** When given, the template may use only these names. */
  variables: z.array(z.string().regex(NAME)).optional(),
});

export interface PromptTemplate {
  id: string;
  version: number;
  role: string;
  description?: string;
  variables?: string[];
  system: string;
  user: string;
}

const SECTION_HEADER = /^###\s+(system|user)\s*$/iu;

/**
 * A template file: YAML front matter between `---` lines (id, version, role, optional
 * description and variables), then a `### system` section (optional) and a `### user` section.
 * Only those two exact header lines split sections; other markdown is prompt text.
 */
export function parseTemplateFile(text: string, sourceName = 'template'): PromptTemplate {
  const fail = (problem: string): never => {
    throw new TemplateError(`${sourceName}: ${problem}`);
  };
  const lines = text.replace(/^\uFEFF/u, '').replace(/\r\n/gu, '\n').split('\n');
  if (lines[0]?.trim() !== '---') fail('must start with a "---" line opening the front matter');
  const closing = lines.findIndex((line, index) => index > 0 && line.trim() === '---');
  if (closing < 0) fail('front matter is not closed by a "---" line');

  let frontMatterValue: unknown;
  try {
    frontMatterValue = parseYaml(lines.slice(1, closing).join('\n'));
  } catch (error) {
    fail(`front matter is not valid YAML: ${(error as Error).message}`);
  }
  const frontMatter = FrontMatterSchema.safeParse(frontMatterValue);
  if (!frontMatter.success) fail(`invalid front matter: ${z.prettifyError(frontMatter.error)}`);
  const meta = frontMatter.data as z.infer<typeof FrontMatterSchema>;

  const sections: Partial<Record<'system' | 'user', string[]>> = {};
  let current: string[] | undefined;
  lines.slice(closing + 1).forEach((line, offset) => {
    const header = SECTION_HEADER.exec(line.trim());
    if (header) {
      const name = (header[1] ?? '').toLowerCase() as 'system' | 'user';
      if (sections[name]) fail(`section "### ${name}" appears twice (line ${closing + 2 + offset})`);
      current = [];
      sections[name] = current;
    } else if (current) {
      current.push(line);
    } else if (line.trim() !== '') {
      fail(`text before the first "### system" / "### user" header (line ${closing + 2 + offset})`);
    }
  });
  const sectionText = (name: 'system' | 'user'): string => (sections[name] ?? []).join('\n').trim();
  const system = sectionText('system');
  const user = sectionText('user');
  if (user === '') fail('missing or empty "### user" section');

  for (const [name, body] of [['system', system], ['user', user]] as const) {
    let used: string[] = [];
    try {
      used = templatePlaceholders(body);
    } catch (error) {
      fail(`${name} section: ${(error as Error).message}`);
    }
    const undeclared = meta.variables ? used.filter((variable) => !meta.variables?.includes(variable)) : [];
    if (undeclared.length > 0) {
      fail(`${name} section uses undeclared variables: ${undeclared.join(', ')} (declared: ${meta.variables?.join(', ')})`);
    }
  }

  return { ...meta, system, user };
}

export function renderPrompt(template: PromptTemplate, variables: TemplateVariables): { system: string; user: string } {
  try {
    return {
      system: renderTemplate(template.system, variables),
      user: renderTemplate(template.user, variables),
    };
  } catch (error) {
    if (error instanceof TemplateError) {
      throw new TemplateError(`prompt ${template.id} v${template.version}: ${error.message}`);
    }
    throw error;
  }
}
