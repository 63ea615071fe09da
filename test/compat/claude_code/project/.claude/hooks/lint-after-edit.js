#!/usr/bin/env node
// PostToolUse (Edit|Write): a lint-after-edit hook. Node, decision "block" with a reason.
let raw = '';
process.stdin.on('data', (c) => { raw += c; });
process.stdin.on('end', () => {
  const input = JSON.parse(raw);
  const file = (input.tool_input && input.tool_input.file_path) || '';
  const content = (input.tool_input && input.tool_input.content) || '';
  if (file.endsWith('.py') && content.includes('\t')) {
    console.log(JSON.stringify({ decision: 'block', reason: `${file}: tabs are not allowed (line 1)` }));
    return;
  }
  if (file.endsWith('.sh') && content.includes('`')) {
    process.stderr.write(`${file}: use $(...) instead of backticks\n`);
    process.exit(2);
  }
  console.log(JSON.stringify({ systemMessage: `linted ${file}`,
                               hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: 'lint: clean' } }));
});
