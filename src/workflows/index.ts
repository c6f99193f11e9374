/** Every workflow the workers register. Workflow code only: bundled into Temporal's sandbox. */
export { sweepWorkflow, progressQuery } from './sweep';
export { dataProductWorkflow } from './data-product';
export { cellWorkflow } from './cell';
export { teacherWorkflow } from './teacher';
