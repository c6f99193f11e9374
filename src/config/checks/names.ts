/**
 * Pre-flight of the names a sweep makes: workflow ids (`sweep/<name>/cell/<key>`) within the
 * server's limit, and record files (`<state>/artifacts/sweeps/<sweep>/cells/<key>.json`, written
 * through a longer temporary name) within the file system's limits, for the longest key the plan
 * makes. Without it a long name passes plan and fails at run time with ENAMETOOLONG.
 */
import { join } from 'node:path';
import { ATOMIC_WRITE_SUFFIX_LENGTH } from '../../artifacts/store';
import { sweepRecordsOf } from '../../artifacts/sweep-records';
import { cellWorkflowId, dataProductWorkflowId, sweepWorkflowId } from '../../shared/workflow-ids';
import type { ConfigProblem } from '../load';
import { planSweep } from '../plan';
import type { SweepConfig } from '../schema';

/** Temporal's default limit on a workflow id (`limit.maxIDLength`). */
export const MAX_WORKFLOW_ID_LENGTH = 1000;
/** Linux and macOS: bytes in one file name, and in a whole path. */
export const MAX_FILE_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4095;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function longest(values: readonly string[]): string {
  return values.reduce((longestSoFar, value) => (value.length > longestSoFar.length ? value : longestSoFar), '');
}

/** Names and paths the sweep would make, checked against the limits; `artifactsDir` is this machine's artifact store. */
export function checkNames(config: SweepConfig, artifactsDir: string): ConfigProblem[] {
  const plan = planSweep(config);
  const sweepId = sweepWorkflowId(config.name);
  const records = sweepRecordsOf({ root: artifactsDir });
  const problems: ConfigProblem[] = [];
  const cellKey = longest(plan.cells.map((cell) => cell.key));
  const productKey = longest(plan.dataProducts.map((product) => product.key));
  const candidates = [
    { kind: 'cell', key: cellKey, workflowId: cellWorkflowId(sweepId, cellKey), record: records.cellPath(sweepId, cellKey) },
    ...(productKey === '' ? [] : [{ kind: 'data product', key: productKey, workflowId: dataProductWorkflowId(sweepId, productKey), record: records.productPath(sweepId, productKey) }]),
  ];
  const shorten = 'shorten the sweep name, generator names or dataset names';
  for (const { kind, key, workflowId, record } of candidates) {
    if (workflowId.length > MAX_WORKFLOW_ID_LENGTH) {
      problems.push({ field: 'name', message: `the longest ${kind} workflow id would have ${workflowId.length} characters, more than Temporal's ${MAX_WORKFLOW_ID_LENGTH}; ${shorten}` });
    }
    const fileName = record.slice(record.lastIndexOf('/') + 1);
    if (bytes(fileName) + ATOMIC_WRITE_SUFFIX_LENGTH > MAX_FILE_NAME_BYTES) {
      problems.push({
        field: 'name',
        message: `the ${kind} key ${key.slice(0, 60)}… makes a record file name of ${bytes(fileName) + ATOMIC_WRITE_SUFFIX_LENGTH} bytes while it is written, more than the ${MAX_FILE_NAME_BYTES} a file name may have; ${shorten}`,
      });
    }
    if (bytes(record) + ATOMIC_WRITE_SUFFIX_LENGTH > MAX_PATH_BYTES) {
      problems.push({
        field: 'name',
        message: `${kind} records would be written at paths of ${bytes(record) + ATOMIC_WRITE_SUFFIX_LENGTH} bytes under ${join(artifactsDir, 'sweeps')}, more than the ${MAX_PATH_BYTES} a path may have; ${shorten} or move the state folder (SYNTHLAB_STATE_DIR)`,
      });
    }
  }
  return problems;
}
