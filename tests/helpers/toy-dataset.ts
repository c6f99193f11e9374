/** A two-label custom dataset in CSV, for config and pre-flight tests that write its files themselves. */
export const TOY_DATASET = {
  task: 'toy sentiment',
  labelKind: 'sentiment',
  format: 'csv',
  files: { train: '{lang}-train.csv', test: '{lang}-test.csv' },
  columns: { id: 'id', text: 'text', label: 'label' },
  labels: ['pos', 'neg'],
  languages: ['en'],
};
