import { parseDatasetSpec, type DatasetSpec, type DatasetSpecInput } from './dataset-spec';
import { STUDY_LANGUAGES } from './languages';

const MASSIVE10_INTENTS = [
  'alarm_query',
  'audio_volume_down',
  'calendar_remove',
  'cooking_recipe',
  'datetime_convert',
  'email_sendemail',
  'play_audiobook',
  'recommendation_movies',
  'transport_ticket',
  'weather_query',
];

/** Order of sib200/<flores>/labels.txt. */
const SIB200_TOPICS = [
  'science/technology',
  'travel',
  'politics',
  'sports',
  'health',
  'entertainment',
  'geography',
];

const SENTIMENT_LANGUAGES = ['az', 'de', 'en', 'he', 'id', 'ro', 'sl', 'sw', 'te', 'th'];

const BUILT_IN_SPECS: Record<string, DatasetSpecInput> = {
  massive10: {
    name: 'massive10',
    task: 'intent recognition for a voice assistant',
    labelKind: 'intent',
    format: 'csv',
    files: { train: 'massive10/{lang}-train_human_parsed.csv', test: 'massive10/{lang}-test.csv' },
    // `intent` holds the label name; the numeric `label` column is ignored.
    columns: { id: 'id', text: 'text', label: 'intent' },
    labels: MASSIVE10_INTENTS,
    languages: [...STUDY_LANGUAGES],
  },
  sib200: {
    name: 'sib200',
    task: 'topic classification of sentences',
    labelKind: 'topic',
    format: 'tsv',
    files: {
      train: 'sib200/{flores}/train.tsv',
      dev: 'sib200/{flores}/dev.tsv',
      test: 'sib200/{flores}/test.tsv',
    },
    columns: { id: 'index_id', text: 'text', label: 'category' },
    labels: SIB200_TOPICS,
    languages: [...STUDY_LANGUAGES],
  },
  sentiment: {
    name: 'sentiment',
    task: 'binary sentiment classification',
    labelKind: 'sentiment',
    format: 'csv',
    files: { train: 'sentiment/{lang}-train_human_parsed.csv', test: 'sentiment/{lang}-test.csv' },
    columns: { id: 'id', text: 'text', label: 'intent' },
    labels: ['negative', 'positive'],
    languages: SENTIMENT_LANGUAGES,
    languagesBySplit: { train: SENTIMENT_LANGUAGES.filter((code) => code !== 'sl') },
  },
  xnli: {
    name: 'xnli',
    task: 'natural language inference (does the premise entail the hypothesis?)',
    labelKind: 'relation',
    format: 'tsv-headerless',
    // Only the XNLI dev file is stored; it serves as test, and train is carved out of it later.
    files: { test: 'xnli/dev-{lang}.tsv' },
    derivedSplits: { train: { from: 'test' } },
    columns: { text: 0, textPair: 1, label: 2 },
    labels: ['entailment', 'neutral', 'contradiction'],
    languages: ['en', 'hi', 'sw', 'ur'],
  },
  sst5: {
    name: 'sst5',
    task: 'three-way sentiment classification of movie reviews',
    labelKind: 'sentiment',
    format: 'tsv',
    files: { train: 'sst5/train.tsv', dev: 'sst5/dev.tsv', test: 'sst5/test.tsv' },
    columns: { text: 'text', label: 'label' },
    labelMap: { '0': 'negative', '1': 'negative', '2': 'neutral', '3': 'positive', '4': 'positive' },
    labels: ['negative', 'neutral', 'positive'],
    languages: ['en'],
  },
  'sst5-5class': {
    name: 'sst5-5class',
    task: 'five-way sentiment classification of movie reviews',
    labelKind: 'sentiment',
    format: 'tsv',
    files: { train: 'sst5/train.tsv', dev: 'sst5/dev.tsv', test: 'sst5/test.tsv' },
    columns: { text: 'text', label: 'label' },
    labelMap: {
      '0': 'very_negative',
      '1': 'negative',
      '2': 'neutral',
      '3': 'positive',
      '4': 'very_positive',
    },
    labels: ['very_negative', 'negative', 'neutral', 'positive', 'very_positive'],
    languages: ['en'],
  },
};

/** Top-level fields replace the built-in ones; `files` and `columns` are merged key by key. */
export type DatasetSpecOverrides = Partial<Omit<DatasetSpecInput, 'files' | 'columns'>> & {
  files?: Partial<DatasetSpecInput['files']>;
  columns?: Partial<DatasetSpecInput['columns']>;
};

export function listDatasetNames(): string[] {
  return Object.keys(BUILT_IN_SPECS);
}

/** A built-in spec, validated after applying the overrides (so one split's path can be changed alone). */
export function getDatasetSpec(name: string, overrides: DatasetSpecOverrides = {}): DatasetSpec {
  const base = BUILT_IN_SPECS[name];
  if (base === undefined) {
    throw new Error(`Unknown dataset "${name}". Valid names: ${listDatasetNames().join(', ')}`);
  }
  return parseDatasetSpec({
    ...base,
    ...overrides,
    files: { ...base.files, ...overrides.files },
    columns: { ...base.columns, ...overrides.columns },
  });
}
