// Every workflow the worker registers (bundled from this file).
export { connectionWorkflow } from './connection.workflow.ts';
export { webhookWorkflow } from './webhook.workflow.ts';
