import { describe, expect, it } from 'vitest';
import { parseDatasetSpec } from '../../src/data/dataset-spec';
import { getLanguage, LANGUAGE_CODES, STUDY_LANGUAGES } from '../../src/data/languages';
import { getDatasetSpec, listDatasetNames } from '../../src/data/registry';

describe('languages', () => {
  it('covers the study languages plus hi, ur, fa', () => {
    expect(STUDY_LANGUAGES).toHaveLength(11);
    expect([...LANGUAGE_CODES].sort()).toEqual(['az', 'cy', 'de', 'en', 'fa', 'he', 'hi', 'id', 'ro', 'sl', 'sw', 'te', 'th', 'ur']);
    expect(getLanguage('cy')).toMatchObject({ name: 'Welsh', flores: 'cym_Latn', script: 'Latin', direction: 'ltr' });
    expect(getLanguage('he')).toMatchObject({ script: 'Hebrew', direction: 'rtl' });
    expect(getLanguage('ur')).toMatchObject({ script: 'Arabic', direction: 'rtl' });
  });

  it('throws listing the valid codes', () => {
    expect(() => getLanguage('fr')).toThrow(/Unknown language code "fr". Valid codes: az, cy, de/);
  });
});

describe('dataset registry', () => {
  it('has the built-in datasets and a clear error for unknown names', () => {
    expect(listDatasetNames()).toEqual(['massive10', 'sib200', 'sentiment', 'xnli', 'sst5', 'sst5-5class']);
    expect(() => getDatasetSpec('massive')).toThrow(/Unknown dataset "massive". Valid names: massive10, sib200/);
  });

  it('applies overrides, merging files and columns key by key', () => {
    const spec = getDatasetSpec('massive10', { files: { test: 'elsewhere/{lang}.csv' }, languages: ['de'] });
    expect(spec.files).toEqual({ train: 'massive10/{lang}-train_human_parsed.csv', test: 'elsewhere/{lang}.csv' });
    expect(spec.languages).toEqual(['de']);
  });

  it('validates overrides and specs', () => {
    expect(() => getDatasetSpec('sst5', { labels: ['neg', 'pos'] })).toThrow(/labelMap maps "0" to "negative", which is not in labels/);
    expect(() => getDatasetSpec('xnli', { columns: { text: 'premise' } })).toThrow(/headerless file needs 0-based column indexes/);
    expect(() => getDatasetSpec('sib200', { files: { test: 'x/{language}.tsv' } })).toThrow(/placeholders \{lang\} and \{flores\}/);
    expect(() => getDatasetSpec('sib200', { languages: ['xx'] })).toThrow(/unknown language code "xx"/);
    expect(() => getDatasetSpec('sentiment', { languages: ['en'] })).toThrow(/listed for split train but not in languages/);
    expect(() => parseDatasetSpec({ name: 'broken' })).toThrow(/Invalid dataset spec "broken"/);
  });
});
