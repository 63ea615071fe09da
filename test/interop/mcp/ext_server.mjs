// An external MCP server built with the official SDK's McpServer, over
// stdio: the peer aura connects to as an MCP client (`aura mcp serve --upstream`).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

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
await server.connect(new StdioServerTransport());
