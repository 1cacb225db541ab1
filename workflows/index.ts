// Every workflow the worker registers (bundled from this file).
export { connectionWorkflow } from './connection.workflow.ts';
