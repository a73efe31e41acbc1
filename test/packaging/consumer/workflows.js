// The service's workflows module (plain JavaScript, bundled by the Temporal worker's webpack): its
// own workflow, which starts agentRunWorkflow as a child, beside agentrun's workflows re-exported.
const { executeChild, workflowInfo } = require('@temporalio/workflow');
const { agentRunWorkflow } = require('agentrun/workflow');

async function parentWorkflow(input) {
  return executeChild(agentRunWorkflow, { args: [input], workflowId: `${workflowInfo().workflowId}-child` });
}

module.exports = { ...require('agentrun/workflows'), parentWorkflow };
