// An external MCP server built with the official SDK's McpServer: the peer
// aura connects to as an MCP client (`aura mcp serve --upstream`). By default
// over stdio; with `--http` over Streamable HTTP on a free loopback port (it
// prints "listening PORT"), one McpServer per session, so that a session's
// `add_tool` call sends that session list_changed on its GET event stream and
// `wait` sees the cancellation aura forwards.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

let cancelled = 0;  // `wait` calls ended by notifications/cancelled, over all sessions

function build() {
  const server = new McpServer({ name: 'sdk-ext', version: '1.0.0' });
  server.registerTool('shout', {
    description: 'Upper-cases a text',
    inputSchema: { text: z.string() },
  }, async ({ text }) => ({ content: [{ type: 'text', text: text.toUpperCase() + '!' }] }));
  server.registerTool('measure', {
    description: 'The length of a text, structured',
    inputSchema: { text: z.string() },
    outputSchema: { length: z.number() },
  }, async ({ text }) => ({
    content: [{ type: 'text', text: JSON.stringify({ length: text.length }) }],
    structuredContent: { length: text.length },
  }));
  server.registerTool('add_tool', {
    description: 'Registers the tool `late` (the server then says its tool list changed)',
    inputSchema: {},
  }, async () => {
    server.registerTool('late', { description: 'Added while running', inputSchema: {} },
      async () => ({ content: [{ type: 'text', text: 'late and here' }] }));
    return { content: [{ type: 'text', text: 'added' }] };
  });
  server.registerTool('wait', {
    description: 'Waits 20 s unless cancelled',
    inputSchema: {},
  }, async (_args, extra) => {
    await new Promise((resolve) => {
      const t = setTimeout(resolve, 20000);
      extra.signal.addEventListener('abort', () => { clearTimeout(t); cancelled += 1; resolve(); });
    });
    return { content: [{ type: 'text', text: 'waited' }] };
  });
  server.registerTool('cancelled_count', {
    description: 'How many waits were cancelled',
    inputSchema: {},
  }, async () => ({ content: [{ type: 'text', text: String(cancelled) }] }));
  return server;
}

if (process.argv.includes('--http')) {
  const transports = {};
  const httpServer = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? transports[sid] : undefined;
    if (!transport) {
      if (sid || req.method !== 'POST') { res.writeHead(404).end(); return; }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => { transports[id] = transport; },
      });
      transport.onclose = () => { if (transport.sessionId) delete transports[transport.sessionId]; };
      await build().connect(transport);
    }
    await transport.handleRequest(req, res, body ? JSON.parse(body) : undefined);
  });
  httpServer.listen(0, '127.0.0.1', () => console.log(`listening ${httpServer.address().port}`));
} else {
  await build().connect(new StdioServerTransport());
}
