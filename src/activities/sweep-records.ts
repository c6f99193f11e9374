/**
 * Sweep bookkeeping outside workflow history: opening a sweep (its manifest, and what earlier runs
 * already finished) and recording each finished cell and data product.
 */
import { z } from 'zod';
import { sweepRecordsOf } from '../artifacts/sweep-records';
import { cellSpecHash, planSweep } from '../config/plan';
import { sweepConfigSchema } from '../config/schema';
import { BitSet } from '../shared/bitset';
import { cellResultSchema, dataProductResultSchema, teacherOutcomeSchema, type DataProductOutcome, type TeacherOutcome } from '../artifacts/results';
import type { ActivityDeps } from './deps';

export const openSweepInputSchema = z.strictObject({ sweepId: z.string().min(1), configHash: z.string(), config: sweepConfigSchema });
export type OpenSweepInput = z.input<typeof openSweepInputSchema>;

export interface OpenSweepOutput {
  /** Plan indices of cells whose record matches today's spec: they are not run again. */
  finishedCells: string;
  finishedCount: number;
  /** Data products already recorded, by key: their cells start without waiting. */
  products: Record<string, DataProductOutcome>;
  /** Study D: teachers already recorded, by key (absent when there are none). */
  teachers?: Record<string, TeacherOutcome>;
}

export const recordCellInputSchema = z.strictObject({ sweepId: z.string().min(1), specHash: z.string().min(1), result: cellResultSchema });
export type RecordCellInput = z.input<typeof recordCellInputSchema>;
export const recordDataProductInputSchema = z.strictObject({ sweepId: z.string().min(1), result: dataProductResultSchema });
export type RecordDataProductInput = z.input<typeof recordDataProductInputSchema>;
export const recordTeacherInputSchema = z.strictObject({ sweepId: z.string().min(1), result: teacherOutcomeSchema });
export type RecordTeacherInput = z.input<typeof recordTeacherInputSchema>;

export function createOpenSweepActivity(deps: ActivityDeps) {
  return async function openSweep(rawInput: OpenSweepInput): Promise<OpenSweepOutput> {
    const input = openSweepInputSchema.parse(rawInput);
    const records = sweepRecordsOf(deps.store);
    const plan = planSweep(input.config);
    const specHashes = plan.cells.map(cellSpecHash);
    await records.writeManifest({
      sweepId: input.sweepId,
      configHash: input.configHash,
      cells: plan.cells.map((cell, index) => ({ key: cell.key, specHash: specHashes[index] ?? '' })),
      dataProducts: plan.dataProducts.map((product) => product.key),
      prices: Object.fromEntries(input.config.generators.flatMap((generator) => (generator.price ? [[generator.name, generator.price]] : []))),
    });
    const cellRecords = await records.readCells(input.sweepId);
    const finished = new BitSet(plan.cells.length);
    plan.cells.forEach((cell, index) => {
      if (cellRecords.get(cell.key)?.specHash === specHashes[index]) finished.add(index);
    });
    const productRecords = await records.readDataProducts(input.sweepId);
    const products: Record<string, DataProductOutcome> = {};
    for (const product of plan.dataProducts) {
      const record = productRecords.get(product.key);
      if (record) products[product.key] = { key: record.key, dataset: record.dataset, llmCalls: 0, ...(record.annotation ? { annotation: record.annotation } : {}) };
    }
    if (plan.teachers.length === 0) return { finishedCells: finished.toHex(), finishedCount: finished.count(), products };
    const teacherRecords = await records.readTeachers(input.sweepId);
    const teachers: Record<string, TeacherOutcome> = {};
    for (const teacher of plan.teachers) {
      const record = teacherRecords.get(teacher.key);
      if (record) teachers[teacher.key] = { ...record, trainings: 0 };
    }
    return { finishedCells: finished.toHex(), finishedCount: finished.count(), products, teachers };
  };
}

export function createRecordCellActivity(deps: ActivityDeps) {
  return async function recordCellResult(rawInput: RecordCellInput): Promise<void> {
    const input = recordCellInputSchema.parse(rawInput);
    await sweepRecordsOf(deps.store).recordCell(input.sweepId, input.specHash, input.result);
  };
}

export function createRecordDataProductActivity(deps: ActivityDeps) {
  return async function recordDataProduct(rawInput: RecordDataProductInput): Promise<void> {
    const input = recordDataProductInputSchema.parse(rawInput);
    await sweepRecordsOf(deps.store).recordDataProduct(input.sweepId, input.result);
  };
}

export function createRecordTeacherActivity(deps: ActivityDeps) {
  return async function recordTeacher(rawInput: RecordTeacherInput): Promise<void> {
    const input = recordTeacherInputSchema.parse(rawInput);
    await sweepRecordsOf(deps.store).recordTeacher(input.sweepId, input.result);
  };
}
