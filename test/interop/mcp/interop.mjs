// The official MCP TypeScript SDK against `aura mcp serve` ($AURA): its
// Client over stdio and over Streamable HTTP, and its McpServer as the
// external server aura is a client of. Exits non-zero on the first failure.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const aura = process.env.AURA;
// Servers this test started: stopped on every way out, a failed check included.
const children = [];
const stopChildren = () => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); };
const watchdog = setTimeout(() => { console.error('FAIL: the interop test took over 150 s'); stopChildren(); process.exit(1); }, 150000);

// ---- a plugin tree: one python process plugin with tools and a tool hook
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-mcp-interop-'));
const plugin = path.join(root, 'plugins', 'py-tools');
fs.mkdirSync(plugin, { recursive: true });
fs.writeFileSync(path.join(plugin, 'main.py'), `import json, sys, time
def send(m):
    sys.stdout.write(json.dumps(m) + "\\n"); sys.stdout.flush()
for line in sys.stdin:
    m = json.loads(line)
    mid, method = m.get("id"), m.get("method")
    if method == "initialize":
        out = {"aura": 1, "sdk": "0.1.0", "hooks": ["guard"]}
    elif method == "event":
        args = m["params"]["event"]["data"].get("args", {})
        if args.get("text") == "forbidden":
            out = {"decision": "deny", "reason": "py-tools refuses that word"}
        elif args.get("text") == "lower":
            out = {"decision": "mutate", "patch": {"args": {"text": "MUTATED"}}}
        else:
            out = {"decision": "allow"}
    elif method == "tools/call" and m["params"]["name"] == "nap":
        time.sleep(30)  # busy: until a cancel kills the process
        out = {"content": [{"type": "text", "text": "woke up"}], "isError": False}
    elif method == "tools/call":
        text = m["params"]["arguments"].get("text", "")
        send({"jsonrpc": "2.0", "method": "host/log", "params": {"level": "warn", "message": "echo saw " + text, "call": mid}})
        out = {"content": [{"type": "text", "text": "echo: " + text}], "isError": False}
    else:
        out = {}
    send({"jsonrpc": "2.0", "id": mid, "result": out})
`);
const schema = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false };
fs.writeFileSync(path.join(plugin, 's.json'), JSON.stringify(schema));
const manifest = (echoDescription) => JSON.stringify({ plugin: {
  name: 'py-tools', version: '1.0.0', runtime: { kind: 'python', entrypoint: 'main.py' },
  hooks: [{ event: 'tool.before_execution', handler: 'guard' }],
  permissions: { read_events: ['tool.*'], call_api: ['log'] },
  mcp_tools: [
    { name: 'echo', description: echoDescription, schema: 's.json' },
    { name: 'slow', description: 'Sleeps a second and a half', run: ['sh', '-c', 'sleep 1.5; echo slept'] },
    { name: 'nap', description: 'Sleeps 30 s in the plugin process' },
    { name: 'napcmd', description: 'Sleeps 30 s as a command', run: ['sh', '-c', `echo $$ > ${path.join(root, 'napcmd.pid')}; exec sleep 30`] },
    { name: 'words', description: 'Counts words', schema: 's.json', run: ['sh', '-c', 'wc -w | tr -d " "'] },
  ] } }, null, 2);
fs.writeFileSync(path.join(plugin, 'aura-plugin.json'), manifest('Echoes a text'));
// docs/mcp.md's client configuration entry, with this test's plugin tree.
const config = JSON.parse(fs.readFileSync(path.join(here, 'client-config.json'), 'utf8')).mcpServers.aura;
assert.equal(config.command, 'aura');
assert.deepEqual(config.args.slice(-2), ['mcp', 'serve']);
const configured = config.args.map((a, i) => (config.args[i - 1] === '--plugins' ? path.join(root, 'plugins') : a));
const serveArgs = [...configured, '--page-size', '2', '--progress-ms', '100', '--watch-ms', '100'];

const waitFor = (what, pred, ms = 10000) => new Promise((resolve, reject) => {
  const t0 = Date.now();
  const tick = () => { if (pred()) return resolve(); if (Date.now() - t0 > ms) return reject(new Error('timed out waiting for ' + what)); setTimeout(tick, 20); };
  tick();
});
const text = (r) => r.content.filter((b) => b.type === 'text').map((b) => b.text).join('\n');
let step = '';
const check = async (name, fn) => { step = name; await fn(); console.log('ok - ' + name); };

async function exercise(client, label) {
  const seen = { logs: [], changed: 0 };
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => seen.logs.push(n.params));
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => { seen.changed += 1; });
  await check(`${label}: tools/list pages with a cursor`, async () => {
    const names = []; let cursor; let pages = 0;
    do { const page = await client.listTools(cursor ? { cursor } : {}); pages += 1; names.push(...page.tools.map((t) => t.name)); cursor = page.nextCursor; } while (cursor);
    assert.deepEqual(names, ['plugin_pytools_echo', 'plugin_pytools_nap', 'plugin_pytools_napcmd', 'plugin_pytools_slow', 'plugin_pytools_words']);
    assert.equal(pages, 3);
  });
  await check(`${label}: a call served by the plugin's process`, async () => {
    const r = await client.callTool({ name: 'plugin_pytools_echo', arguments: { text: 'hi' } });
    assert.equal(r.isError, false); assert.equal(text(r), 'echo: hi');
    const w = await client.callTool({ name: 'plugin_pytools_words', arguments: { text: 'one two three' } });
    assert.equal(text(w), '3');  // a run-command tool: its arguments as JSON on stdin
  });
  await check(`${label}: invalid arguments are a tool error naming the JSON pointer`, async () => {
    const r = await client.callTool({ name: 'plugin_pytools_echo', arguments: { text: 5 } });
    assert.equal(r.isError, true); assert.match(text(r), /\(at \/text\)/);
  });
  await check(`${label}: a hook vetoes a call`, async () => {
    const r = await client.callTool({ name: 'plugin_pytools_echo', arguments: { text: 'forbidden' } });
    assert.equal(r.isError, true); assert.match(text(r), /py-tools refuses that word/);
  });
  await check(`${label}: a hook rewrites a call's arguments`, async () => {
    const r = await client.callTool({ name: 'plugin_pytools_echo', arguments: { text: 'lower' } });
    assert.equal(text(r), 'echo: MUTATED');
  });
  await check(`${label}: logging/setLevel, then the plugin's log as notifications/message`, async () => {
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'plugin_pytools_echo', arguments: { text: 'log me' } });
    await waitFor('the plugin log', () => seen.logs.some((l) => String(l.data).includes('echo saw log me')));
    assert.equal(seen.logs.find((l) => String(l.data).includes('echo saw log me')).level, 'warning');
  });
  await check(`${label}: progress during a long call`, async () => {
    const progress = [];
    const r = await client.callTool({ name: 'plugin_pytools_slow', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
    assert.equal(text(r), 'slept');
    assert.ok(progress.length >= 2, 'progress reports: ' + progress.length);
    assert.ok(progress.every((p, i) => i === 0 || p > progress[i - 1]), 'progress increases');
  });
  await check(`${label}: a cancelled call in the plugin's process ends it; the plugin serves the next call`, async () => {
    const ac = new AbortController();
    const pending = client.callTool({ name: 'plugin_pytools_nap', arguments: {} }, undefined, { signal: ac.signal });
    setTimeout(() => ac.abort('changed my mind'), 300);
    await assert.rejects(pending);
    // The plugin process was busy for 30 s: only a killed (and restarted) one answers this at once.
    const started = Date.now();
    const r = await client.callTool({ name: 'plugin_pytools_echo', arguments: { text: 'after' } });
    assert.equal(text(r), 'echo: after');
    assert.ok(Date.now() - started < 5000, 'the next call waited ' + (Date.now() - started) + ' ms');
  });
  await check(`${label}: a cancelled command tool is killed`, async () => {
    const pidFile = path.join(root, 'napcmd.pid');
    fs.rmSync(pidFile, { force: true });
    const ac = new AbortController();
    const pending = client.callTool({ name: 'plugin_pytools_napcmd', arguments: {} }, undefined, { signal: ac.signal });
    await waitFor('the command to start', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '');
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    ac.abort('no need');
    await assert.rejects(pending);
    const gone = () => { try { process.kill(pid, 0); return false; } catch { return true; } };
    await waitFor('the command to be killed', gone, 3000);
    const r = await client.callTool({ name: 'plugin_pytools_words', arguments: { text: 'still here' } });
    assert.equal(text(r), '2');
  });
  await check(`${label}: list_changed after the plugin is reloaded`, async () => {
    const before = seen.changed;
    fs.writeFileSync(path.join(plugin, 'aura-plugin.json'), manifest(`Echoes a text (${label})`));
    await waitFor('notifications/tools/list_changed', () => seen.changed > before);
    const page = await client.listTools();
    assert.equal(page.tools.find((t) => t.name === 'plugin_pytools_echo').description, `Echoes a text (${label})`);
  });
}

try {
  // ---- stdio
  {
    const transport = new StdioClientTransport({ command: aura, args: serveArgs, stderr: 'inherit' });
    const client = new Client({ name: 'interop', version: '1.0.0' });
    await client.connect(transport);
    assert.equal(client.getServerVersion().name, 'aura');
    assert.ok(client.getServerCapabilities().tools.listChanged);
    await exercise(client, 'stdio');
    await client.close();
  }
  // ---- Streamable HTTP
  {
    const child = spawn(aura, [...serveArgs, '--http', '127.0.0.1:0'], { stdio: ['ignore', 'inherit', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d) => { err += d; process.stderr.write(d); });
    await waitFor('the HTTP server to listen', () => /http:\/\/127\.0\.0\.1:\d+\/mcp/.test(err));
    const url = new URL(err.match(/http:\/\/127\.0\.0\.1:\d+\/mcp/)[0]);
    const transport = new StreamableHTTPClientTransport(url);
    const client = new Client({ name: 'interop-http', version: '1.0.0' });
    await client.connect(transport);
    assert.ok(transport.sessionId, 'a session id');
    await exercise(client, 'http');
    await check('http: DELETE ends the session', async () => {
      const ended = transport.sessionId;
      await transport.terminateSession();
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': ended, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
      assert.equal(r.status, 404);
    });
    await client.close();
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
  // ---- aura as the client of an SDK McpServer
  {
    const transport = new StdioClientTransport({ command: aura, args: [...serveArgs, '--upstream', `ext=${process.execPath} ${path.join(here, 'ext_server.mjs')}`], stderr: 'inherit' });
    const client = new Client({ name: 'interop-upstream', version: '1.0.0' });
    await client.connect(transport);
    await check('client: the SDK server\'s tools listed as mcp__ext__<tool>', async () => {
      const names = []; let cursor;
      do { const page = await client.listTools(cursor ? { cursor } : {}); names.push(...page.tools.map((t) => t.name)); cursor = page.nextCursor; } while (cursor);
      assert.ok(names.includes('mcp__ext__shout') && names.includes('mcp__ext__measure'), names.join(','));
    });
    await check('client: a call reaches the SDK server through aura', async () => {
      const r = await client.callTool({ name: 'mcp__ext__shout', arguments: { text: 'hey' } });
      assert.equal(text(r), 'HEY!');
      const m = await client.callTool({ name: 'mcp__ext__measure', arguments: { text: 'four' } });
      assert.deepEqual(m.structuredContent, { length: 4 });
    });
    await check('client: aura\'s hooks apply to the upstream tools', async () => {
      const r = await client.callTool({ name: 'mcp__ext__shout', arguments: { text: 'forbidden' } });
      assert.equal(r.isError, true); assert.match(text(r), /py-tools refuses that word/);
      const bad = await client.callTool({ name: 'mcp__ext__shout', arguments: { text: 1 } });
      assert.equal(bad.isError, true); assert.match(text(bad), /\(at \/text\)/);
    });
    await client.close();
  }
  // ---- aura as the client of an SDK McpServer over Streamable HTTP: its event
  // stream brings list_changed, and a cancellation travels through aura to it
  {
    const ext = spawn(process.execPath, [path.join(here, 'ext_server.mjs'), '--http'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(ext);
    const port = await new Promise((resolve, reject) => {
      let out = '';
      ext.stdout.on('data', (d) => { out += d; const m = /listening (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
      ext.on('exit', (code) => reject(new Error('the SDK HTTP server exited with ' + code)));
    });
    const transport = new StdioClientTransport({ command: aura, args: [...serveArgs, '--upstream', `exth=http://127.0.0.1:${port}/mcp`], stderr: 'inherit' });
    const client = new Client({ name: 'interop-upstream-http', version: '1.0.0' });
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => { changed += 1; });
    await client.connect(transport);
    const names = async () => {
      const all = []; let cursor;
      do { const page = await client.listTools(cursor ? { cursor } : {}); all.push(...page.tools.map((t) => t.name)); cursor = page.nextCursor; } while (cursor);
      return all;
    };
    await check('client over HTTP: the SDK server\'s tools listed and called through aura', async () => {
      const all = await names();
      assert.ok(all.includes('mcp__exth__shout') && !all.includes('mcp__exth__late'), all.join(','));
      const r = await client.callTool({ name: 'mcp__exth__shout', arguments: { text: 'over http' } });
      assert.equal(text(r), 'OVER HTTP!');
    });
    await check('client over HTTP: a tool added upstream reaches aura\'s clients (list_changed on the event stream)', async () => {
      const r = await client.callTool({ name: 'mcp__exth__add_tool', arguments: {} });
      assert.equal(text(r), 'added');
      await waitFor('list_changed from aura', () => changed > 0);
      const all = await names();
      assert.ok(all.includes('mcp__exth__late'), all.join(','));
      const late = await client.callTool({ name: 'mcp__exth__late', arguments: {} });
      assert.equal(text(late), 'late and here');
    });
    await check('client over HTTP: a cancelled call is cancelled at the SDK server', async () => {
      const ac = new AbortController();
      const pending = client.callTool({ name: 'mcp__exth__wait', arguments: {} }, undefined, { signal: ac.signal });
      setTimeout(() => ac.abort('not needed'), 300);
      await assert.rejects(pending);
      let count = '0';
      for (let i = 0; i < 50 && count !== '1'; i++) {
        count = text(await client.callTool({ name: 'mcp__exth__cancelled_count', arguments: {} }));
        if (count !== '1') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(count, '1');
    });
    await client.close();
    ext.kill('SIGTERM');
  }
  console.log('all MCP interop checks passed');
  clearTimeout(watchdog);
  fs.rmSync(root, { recursive: true, force: true });
} catch (e) {
  console.error(`FAIL (${step}):`, e);
  stopChildren();
  process.exit(1);
}
