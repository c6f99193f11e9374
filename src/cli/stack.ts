/** `synthlab up` and `synthlab down`. */
import { stateDir } from '../infra/paths';
import { encryptionMismatch, stackDown, stackUp } from '../infra/stack';

export async function upCommand(): Promise<number> {
  const stack = await stackUp(stateDir());
  console.log(`temporal: ${stack.server.address} (${stack.reused.server ? 'already running' : 'started'}, pid ${stack.server.pid})`);
  console.log(`worker:   pid ${stack.workerPid} (${stack.reused.worker ? 'already running' : 'started'}), queues cpu + gpu`);
  console.log(`ui:       ${stack.server.uiUrl}`);
  console.log(`payload encryption: ${stack.encryption.worker}`);
  const mismatch = encryptionMismatch(stack);
  if (mismatch) {
    console.error(`synthlab: ${mismatch}`);
    return 1;
  }
  return 0;
}

export async function downCommand(): Promise<number> {
  const stopped = await stackDown(stateDir());
  console.log(`worker: ${stopped.worker ? 'stopped' : 'was not running'}; temporal: ${stopped.server ? 'stopped' : 'was not running'}`);
  return 0;
}
