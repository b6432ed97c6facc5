// Validates GitHub Actions workflow files with GitHub's own workflow parser (@actions/workflow-parser, the one the
// Actions language server uses, with GitHub's published workflow schema workflow-v1.0.json), as the Actions service
// does when a workflow is pushed. Prints one JSON line per file: {"file", "errors": [...], "jobs": N}.
//
//   node tests/servers/validate-github-workflow.mjs FILE...
//
// The package imports its schema JSON without an import attribute (it is written for bundlers); the hook below loads
// .json modules as JSON so that plain Node runs it.
import { register } from "node:module";
import { readFileSync } from "node:fs";

register("./json-import-hooks.mjs", import.meta.url);
const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import("@actions/workflow-parser");

let failed = false;
for (const file of process.argv.slice(2)) {
  const parsed = parseWorkflow({ name: file, content: readFileSync(file, "utf8") }, new NoOperationTraceWriter());
  const errors = new Set(parsed.context.errors.getErrors().map(e => e.message));
  let jobs = 0;
  if (parsed.value) {
    const workflow = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const e of workflow.errors ?? []) errors.add(e.Message ?? e.message);
    jobs = workflow.jobs?.length ?? 0;
  }
  failed ||= errors.size > 0;
  console.log(JSON.stringify({ file, errors: [...errors], jobs }));
}
process.exit(failed ? 1 : 0);
