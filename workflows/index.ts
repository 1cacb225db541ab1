// Every workflow the worker registers (bundled from this file).
export { connectionWorkflow } from './connection.workflow.ts';
export { syncWorkflow } from './sync.workflow.ts';
export { webhookWorkflow } from './webhook.workflow.ts';
export { webhookBatchWorkflow } from './webhook-batch.workflow.ts';
export { eventEndpointWorkflow } from './event-endpoint.workflow.ts';
export { reauthorizationSweepWorkflow } from './reauthorization-sweep.workflow.ts';
export { retentionWorkflow } from './retention.workflow.ts';
