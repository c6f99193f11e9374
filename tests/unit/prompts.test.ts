import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/infra/paths';
import { parseTemplateFile, renderPrompt, renderTemplate, templatePlaceholders, TemplateError } from '../../src/stages/prompts';

describe('renderTemplate', () => {
  it('fills placeholders, numbers, lists and blocks', () => {
    const template = 'Write {{ n }} texts in {{language}}.\n{{#each examples}}\n{{@number}}. {{this}}\n{{/each}}\n{{#if description}}\nMeaning: {{description}}\n{{else}}\nNo description.\n{{/if}}\nAll: {{examples}}';
    expect(renderTemplate(template, { n: 3, language: 'Welsh', examples: ['a', 'b'], description: '' })).toBe(
      'Write 3 texts in Welsh.\n1. a\n2. b\nNo description.\nAll: a\nb',
    );
    expect(renderTemplate('{{#if description}}[{{description}}]{{/if}}', { description: 'alarm stuff' })).toBe('[alarm stuff]');
  });

  it('throws naming a missing placeholder', () => {
    expect(() => renderTemplate('Hello {{language}} and {{lable}}', { language: 'Thai', label: 'x' })).toThrow(
      /missing value for placeholder \{\{lable\}\}/,
    );
    expect(() => renderTemplate('{{#if description}}x{{/if}}', {})).toThrow(/\{\{description\}\}/);
  });

  it('throws on malformed templates', () => {
    expect(() => renderTemplate('{{#each items}}x', { items: [] })).toThrow(/never closed/);
    expect(() => renderTemplate('x{{/each}}', {})).toThrow(/does not close/);
    expect(() => renderTemplate('{{#loop items}}{{/loop}}', {})).toThrow(/unknown block/);
    expect(() => renderTemplate('{{bad name}}', {})).toThrow(/invalid placeholder/);
    expect(() => renderTemplate('{{this}}', {})).toThrow(/only valid inside/);
    expect(() => renderTemplate('{{#each n}}{{/each}}', { n: 3 })).toThrow(/needs a list/);
    expect(() => renderTemplate('broken {{language', { language: 'x' })).toThrow(/malformed placeholder/);
  });

  it('lists placeholders without loop names', () => {
    expect(templatePlaceholders('{{a}}{{#each list}}{{this}}{{b}}{{/each}}{{#if c}}{{/if}}')).toEqual(['a', 'list', 'b', 'c']);
  });
});

describe('parseTemplateFile', () => {
  const valid = '---\nid: generate-target-demos\nversion: 1\nrole: generate\n---\n### system\nBe brief.\n\n### user\nWrite {{n}} lines.\n';

  it('parses front matter and sections', () => {
    expect(parseTemplateFile(valid)).toEqual({
      id: 'generate-target-demos',
      version: 1,
      role: 'generate',
      system: 'Be brief.',
      user: 'Write {{n}} lines.',
    });
    expect(parseTemplateFile(valid.replace(/\n/g, '\r\n')).user).toBe('Write {{n}} lines.');
  });

  it('rejects broken files with a clear message', () => {
    expect(() => parseTemplateFile('### user\nhi', 'x.md')).toThrow(/x\.md: must start with a "---" line/);
    expect(() => parseTemplateFile('---\nid: a\nversion: 1\nrole: r\n### user\nhi')).toThrow(/not closed/);
    expect(() => parseTemplateFile('---\nid: a\nrole: r\n---\n### user\nhi')).toThrow(/version/);
    expect(() => parseTemplateFile('---\nid: a\nversion: 1\nrole: r\n---\n### system\nonly system')).toThrow(/"### user" section/);
    expect(() => parseTemplateFile('---\nid: a\nversion: 1\nrole: r\n---\nstray\n### user\nhi')).toThrow(/text before the first/);
    expect(() => parseTemplateFile('---\nid: a\nversion: 1\nrole: r\nvariables: [n]\n---\n### user\n{{n}} {{m}}')).toThrow(
      /undeclared variables: m/,
    );
    expect(() => parseTemplateFile('---\nid: a\nversion: 1\nrole: r\n---\n### user\n{{#each x}}')).toThrow(/user section: .*never closed/);
  });
});

describe('prompt files in prompts/', () => {
  const promptsRoot = path.join(repoRoot, 'prompts');

  async function listTemplateFiles(directory: string): Promise<string[]> {
    const entries = await readdir(directory, { withFileTypes: true });
    const nested = await Promise.all(
      entries.map((entry) => {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) return listTemplateFiles(full);
        return Promise.resolve(entry.name.endsWith('.md') ? [full] : []);
      }),
    );
    return nested.flat();
  }

  it('every template file parses, declares its variables and renders', async () => {
    const files = await listTemplateFiles(promptsRoot);
    expect(files.length).toBeGreaterThanOrEqual(5);
    const ids = new Set<string>();
    for (const file of files) {
      const template = parseTemplateFile(await readFile(file, 'utf8'), file);
      expect(path.basename(file)).toMatch(new RegExp(`\\.v${template.version}\\.md$`));
      ids.add(`${template.id}@${template.version}`);
      expect(template.variables).toBeDefined();
      const values = Object.fromEntries(
        // `examples` and the classifiers' `labels` are lists ({{#each}}); every other variable is a string.
        (template.variables ?? []).map((name) => [name, name === 'examples' || name === 'labels' ? [`first of ${name}`, `second of ${name}`] : `<${name}>`]),
      );
      const rendered = renderPrompt(template, values);
      expect(rendered.user).not.toContain('{{');
      expect(rendered.system).not.toContain('{{');
    }
    expect(ids.size).toBe(files.length);
  });

  it('the target-demos prompt lists the demos and switches the description on and off', async () => {
    const template = parseTemplateFile(await readFile(path.join(promptsRoot, 'generate/target-demos.v1.md'), 'utf8'));
    const values = {
      language: 'Welsh',
      script: 'Latin',
      task: 'intent recognition for a voice assistant',
      labelKind: 'intent',
      label: 'alarm_query',
      examples: ['pa larymau sydd gen i', 'dangos fy larymau'],
      n: 10,
    };
    const withoutDescription = renderPrompt(template, { ...values, labelDescription: '' }).user;
    expect(withoutDescription).toContain('- pa larymau sydd gen i\n- dangos fy larymau\n');
    expect(withoutDescription).not.toContain('means');
    const withDescription = renderPrompt(template, { ...values, labelDescription: 'This intent involves asking about alarms.' }).user;
    expect(withDescription).toContain('This intent involves asking about alarms.');
    expect(() => renderPrompt(template, values)).toThrow(/generate-target-demos v1: missing value for placeholder \{\{labelDescription\}\}/);
  });

  it('TemplateError is exported for callers', () => {
    expect(new TemplateError('x')).toBeInstanceOf(Error);
  });
});
