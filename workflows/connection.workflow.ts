import { allHandlersFinished, condition, continueAsNew, makeContinueAsNewFunc, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  disconnectUpdate,
  ensureFreshUpdate,
  exchangeCodeUpdate,
  flowStartedSignal,
  providerRevokedSignal,
  pushRenewSignal,
  refreshNowUpdate,
  settingsChangedSignal,
  statusQuery,
  type ConnectionStatus,
  type ConnectionWorkflowInput,
} from './connection.messages.ts';
import { Connection } from './connection.state.ts';
import { connectionsQueueFrom } from './task-queues.ts';

export * from './connection.messages.ts';

/** Continue-as-new moves a run to the connections task queue (runs from before the split used one queue). */
const WORKLOAD_QUEUES_PATCH = 'workload-queues';

/**
 * One perpetual workflow per integration (`integration:<id>`, docs/architecture.md). It owns every change to the
 * integration's credentials, so refresh is single-flight by construction (REQ-12). Only ids and non-secret facts
 * cross into it: activities load and decrypt tokens by id (REQ-19). The logic lives in `Connection`
 * (workflows/connection.state.ts); this function wires its methods to the messages and runs its loop.
 */
export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<ConnectionStatus> {
  const connection = new Connection(input);
  // An ended run refuses updates; the caller starts a new one (lib/connection-service.ts).
  const running = () => connection.assertRunning();
  setHandler(exchangeCodeUpdate, (args) => connection.exchangeCode(args), { validator: (_args) => running() });
  setHandler(refreshNowUpdate, (args) => connection.refreshNow(args), { validator: (_args) => running() });
  setHandler(ensureFreshUpdate, () => connection.ensureFresh(), { validator: () => running() });
  setHandler(disconnectUpdate, (args) => connection.disconnect(args), { validator: (_args) => running() });
  setHandler(providerRevokedSignal, (args) => connection.providerRevoked(args));
  setHandler(pushRenewSignal, (args) => connection.pushRenew(args));
  setHandler(flowStartedSignal, () => connection.flowStarted());
  setHandler(settingsChangedSignal, () => connection.settingsChanged());
  setHandler(statusQuery, () => connection.snapshot());

  if ((await connection.run()) === 'continue-as-new') {
    await condition(() => !connection.lock.locked && allHandlersFinished());
    // Runs started before the workload queues continue on the connections queue (workflows/task-queues.ts).
    if (patched(WORKLOAD_QUEUES_PATCH)) {
      const taskQueue = connectionsQueueFrom(workflowInfo().taskQueue);
      return makeContinueAsNewFunc<typeof connectionWorkflow>({ taskQueue })({ ...input, carried: connection.state });
    }
    return continueAsNew<typeof connectionWorkflow>({ ...input, carried: connection.state });
  }
  await condition(allHandlersFinished);
  return connection.state.status;
}
