#!/usr/bin/env node
// An independent MCP client for the CortexHybrid memory server, built on the official TypeScript
// SDK (@modelcontextprotocol/sdk, pinned in package.json / package-lock.json).
//
//   node driver.mjs --stdio "<command> <args...>"        spawns the server (e.g. "dotnet cortex.dll mcp --store DIR")
//   node driver.mjs --http <url> [--token T]             a running `cortex serve` (url of /mcp)
//
// It runs one scenario against an empty store and prints one JSON line per check on standard
// output, {"check": "...", "ok": true|false, "detail": "..."}. It exits with 0 only when every
// check passes; otherwise the failing checks (and, over stdio, the server's standard error) go to
// standard error and the exit code is 1 (2 for a usage error).

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema, McpError } from "@modelcontextprotocol/sdk/types.js";

const TOOL_NAMES = ["forget", "forget_tagged", "list_memories", "memory_status", "recall", "remember"];

/** The arguments each tool's input schema must list, and those it must require. */
const SCHEMAS = {
  remember: { properties: ["text", "tags", "metadata"], required: ["text"] },
  recall: { properties: ["query", "k", "tags", "minScore"], required: ["query"] },
  forget: { properties: ["id"], required: ["id"] },
  forget_tagged: { properties: ["tag"], required: ["tag"] },
  list_memories: { properties: ["limit", "tag"], required: [] },
  memory_status: { properties: [], required: [] },
};

/** Six facts on different topics; recall must find each from a paraphrase in other words. */
const FACTS = [
  { key: "backup", text: "The staging database is backed up every night at 2 am.", tags: ["ops", "database"] },
  { key: "tea", text: "Alice prefers green tea to coffee in the morning.", tags: ["people"] },
  { key: "planning", text: "The quarterly planning meeting has moved to Thursday afternoons.", tags: ["meetings"] },
  { key: "ratelimit", text: "Our public API allows each customer 1000 requests per minute.", tags: ["ops"], metadata: { source: "runbook", owner: "platform" } },
  { key: "plants", text: "The office plants need watering twice a week." },
  { key: "kernels", text: "The Rust similarity kernels are compiled with AVX2 and FMA enabled.", metadata: { area: "build" } },
];

// ---------------------------------------------------------------------------------------------
// Arguments

/** Splits a command line into words: whitespace separates, '…' and "…" quote, \ escapes in "…". */
function splitCommandLine(line) {
  const words = [];
  let word = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      word ??= "";
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unbalanced ${c} in --stdio command`);
      word += line.slice(i + 1, end);
      i = end;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

function parseArguments(argv) {
  const options = { stdio: null, http: null, token: null };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!["--stdio", "--http", "--token"].includes(name)) throw new Error(`unknown argument '${name}'`);
    if (value === undefined) throw new Error(`${name} needs a value`);
    options[name.slice(2)] = value;
    i++;
  }
  if ((options.stdio === null) === (options.http === null)) throw new Error("give exactly one of --stdio \"<command> <args...>\" and --http <url>");
  if (options.token !== null && options.http === null) throw new Error("--token goes with --http");
  return options;
}

// ---------------------------------------------------------------------------------------------
// Checks

const results = [];

function record(check, ok, detail) {
  const line = { check, ok: Boolean(ok), detail: String(detail ?? "") };
  results.push(line);
  process.stdout.write(JSON.stringify(line) + "\n");
  return line.ok;
}

/** Runs one check: the body returns a detail string (pass) or throws (fail, with the error as detail). */
async function check(name, body) {
  try {
    const detail = await body();
    return record(name, true, detail);
  } catch (error) {
    return record(name, false, error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error));
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const show = (value) => JSON.stringify(value);

/** The tool result's payload: its structured content, which must equal the JSON in its text. */
function payload(result) {
  assert(!result.isError, `error result: ${textOf(result)}`);
  assert(result.structuredContent && typeof result.structuredContent === "object", `no structuredContent in ${show(result)}`);
  return result.structuredContent;
}

function textOf(result) {
  return (result.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("");
}

/** Asserts an error result with one text item on one line matching every pattern; returns the text. */
function expectErrorResult(result, ...patterns) {
  assert(result.isError === true, `expected an error result, got ${show(result)}`);
  const text = textOf(result);
  assert(text.length > 0, `error result without text: ${show(result)}`);
  assert(!/[\r\n]/.test(text), `error text is more than one line: ${show(text)}`);
  for (const pattern of patterns) assert(pattern.test(text), `error text ${show(text)} does not match ${pattern}`);
  return text;
}

// ---------------------------------------------------------------------------------------------
// The scenario, over any connected client

async function scenario(client) {
  const call = (name, args) => client.callTool({ name, arguments: args });
  const ids = {};

  await check("initialize: server name cortex-hybrid with the tools capability", async () => {
    const info = client.getServerVersion();
    const capabilities = client.getServerCapabilities();
    assert(info?.name === "cortex-hybrid", `server name is ${show(info?.name)}`);
    assert(capabilities?.tools && typeof capabilities.tools === "object", `capabilities are ${show(capabilities)}`);
    return `${info.name} ${info.version}; capabilities ${Object.keys(capabilities).join(", ")}`;
  });

  await check("tools/list: exactly the six tools, each with a description and an input schema", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    assert(show(names) === show(TOOL_NAMES), `tools are ${show(names)}`);
    for (const tool of tools) {
      const expected = SCHEMAS[tool.name];
      assert(typeof tool.description === "string" && tool.description.trim().length > 0, `${tool.name} has no description`);
      const schema = tool.inputSchema;
      assert(schema?.type === "object", `${tool.name} input schema is ${show(schema)}`);
      const properties = Object.keys(schema.properties ?? {}).sort();
      assert(show(properties) === show([...expected.properties].sort()), `${tool.name} properties are ${show(properties)}, expected ${show(expected.properties)}`);
      for (const property of properties) {
        assert(typeof schema.properties[property].description === "string", `${tool.name}.${property} has no description`);
      }
      const required = [...(schema.required ?? [])].sort();
      assert(show(required) === show([...expected.required].sort()), `${tool.name} requires ${show(required)}, expected ${show(expected.required)}`);
    }
    return names.join(", ");
  });

  await check("remember: six facts, each added with a new id", async () => {
    for (const fact of FACTS) {
      const reply = payload(await call("remember", { text: fact.text, ...(fact.tags && { tags: fact.tags }), ...(fact.metadata && { metadata: fact.metadata }) }));
      assert(Number.isInteger(reply.id), `${fact.key}: id is ${show(reply.id)}`);
      assert(reply.added === true, `${fact.key}: added is ${show(reply.added)} (the store must start empty)`);
      ids[fact.key] = reply.id;
    }
    assert(new Set(Object.values(ids)).size === FACTS.length, `ids are not distinct: ${show(ids)}`);
    return show(ids);
  });

  await check("remember: the text content is the same JSON as the structured content", async () => {
    const result = await call("remember", { text: FACTS[1].text, tags: FACTS[1].tags });
    const structured = payload(result);
    const parsed = JSON.parse(textOf(result));
    assert(show(parsed) === show(structured), `text ${show(parsed)} != structured ${show(structured)}`);
    return show(structured);
  });

  await check("recall: a paraphrase finds the staging-backup fact first", async () => {
    const { hits } = payload(await call("recall", { query: "when do the staging db backups run?", k: 3 }));
    assert(hits.length === 3, `${hits.length} hits for k=3`);
    assert(hits[0].id === ids.backup, `first hit is ${show(hits[0])}`);
    for (let i = 1; i < hits.length; i++) assert(hits[i - 1].score >= hits[i].score, `scores not descending: ${show(hits.map((h) => h.score))}`);
    const hit = hits[0];
    assert(hit.text === FACTS[0].text, `text is ${show(hit.text)}`);
    assert(show(hit.tags) === show(FACTS[0].tags), `tags are ${show(hit.tags)}`);
    assert(hit.metadata && typeof hit.metadata === "object", `metadata is ${show(hit.metadata)}`);
    assert(typeof hit.score === "number" && hit.score > 0 && hit.score <= 1, `score is ${show(hit.score)}`);
    assert(!Number.isNaN(Date.parse(hit.storedAt)), `storedAt is ${show(hit.storedAt)}`);
    return `first ${hit.id} score ${hit.score.toFixed(3)}; then ${hits.slice(1).map((h) => `${h.id}:${h.score.toFixed(3)}`).join(", ")}`;
  });

  await check("recall: other paraphrases find their facts first (with metadata)", async () => {
    const cases = [
      ["tea", "What does Alice like to drink early in the day?"],
      ["ratelimit", "how many calls per minute can one client make to the API?"],
      ["kernels", "which CPU instruction sets are the Rust kernels built for?"],
    ];
    const found = [];
    for (const [key, query] of cases) {
      const { hits } = payload(await call("recall", { query }));
      assert(hits.length === 5, `${hits.length} hits with the default k (5) for ${show(query)}`);
      assert(hits[0].id === ids[key], `${show(query)}: first hit is ${show(hits[0])}, expected id ${ids[key]}`);
      const fact = FACTS.find((f) => f.key === key);
      assert(show(hits[0].metadata) === show(fact.metadata ?? {}), `${key}: metadata is ${show(hits[0].metadata)}, expected ${show(fact.metadata ?? {})}`);
      found.push(`${key}:${hits[0].score.toFixed(3)}`);
    }
    return found.join(", ");
  });

  await check("recall: a tag filter returns only memories carrying every tag", async () => {
    const ops = payload(await call("recall", { query: "when do the staging db backups run?", k: 10, tags: ["ops"] })).hits;
    assert(ops.every((h) => h.tags.includes("ops")), `a hit without the tag: ${show(ops)}`);
    assert(show(ops.map((h) => h.id).sort()) === show([ids.backup, ids.ratelimit].sort()), `ops hits are ${show(ops.map((h) => h.id))}`);
    const both = payload(await call("recall", { query: "API request limits", k: 10, tags: ["ops", "database"] })).hits;
    assert(show(both.map((h) => h.id)) === show([ids.backup]), `ops+database hits are ${show(both.map((h) => h.id))}`);
    const none = payload(await call("recall", { query: "anything", tags: ["no-such-tag"] })).hits;
    assert(none.length === 0, `no-such-tag gave ${none.length} hits`);
    return `ops: ${ops.map((h) => h.id)}; ops+database: ${both.map((h) => h.id)}; no-such-tag: none`;
  });

  await check("recall: minScore drops the memories below it", async () => {
    const query = "when do the staging db backups run?";
    const all = payload(await call("recall", { query, k: 10 })).hits;
    assert(all.length === FACTS.length, `${all.length} hits for k=10 over ${FACTS.length} memories`);
    const threshold = (all[0].score + all[1].score) / 2;
    const top = payload(await call("recall", { query, k: 10, minScore: threshold })).hits;
    assert(top.length === 1 && top[0].id === ids.backup, `minScore ${threshold.toFixed(3)} gave ${show(top.map((h) => [h.id, h.score]))}`);
    const below = payload(await call("recall", { query, k: 10, minScore: -1 })).hits;
    assert(below.length === all.length, `minScore -1 gave ${below.length} hits, expected ${all.length}`);
    return `scores ${all.map((h) => h.score.toFixed(3)).join(", ")}; minScore ${threshold.toFixed(3)} kept 1`;
  });

  await check("remember: identical text returns the same id with added=false", async () => {
    const reply = payload(await call("remember", { text: FACTS[0].text, tags: FACTS[0].tags }));
    assert(reply.id === ids.backup && reply.added === false, `got ${show(reply)}, expected id ${ids.backup} added false`);
    return show(reply);
  });

  await check("list_memories: total and newest-first order", async () => {
    const listed = payload(await call("list_memories", {}));
    assert(listed.total === FACTS.length, `total is ${listed.total}, expected ${FACTS.length}`);
    const order = listed.memories.map((m) => m.id);
    const expected = FACTS.map((f) => ids[f.key]).reverse();
    assert(show(order) === show(expected), `order is ${show(order)}, expected newest first ${show(expected)}`);
    for (let i = 1; i < listed.memories.length; i++) {
      assert(Date.parse(listed.memories[i - 1].storedAt) >= Date.parse(listed.memories[i].storedAt), `storedAt not newest first: ${show(listed.memories.map((m) => m.storedAt))}`);
    }
    const two = payload(await call("list_memories", { limit: 2 }));
    assert(two.total === FACTS.length && show(two.memories.map((m) => m.id)) === show(expected.slice(0, 2)), `limit 2 gave ${show(two)}`);
    const ops = payload(await call("list_memories", { tag: "ops" }));
    assert(ops.total === 2 && show(ops.memories.map((m) => m.id)) === show([ids.ratelimit, ids.backup]), `tag ops gave total ${ops.total}, ids ${show(ops.memories.map((m) => m.id))}`);
    return `total ${listed.total}, order ${order.join(",")}; limit 2 ok; tag ops total ${ops.total}`;
  });

  await check("forget: the memory is gone from recall and the list", async () => {
    const reply = payload(await call("forget", { id: ids.plants }));
    assert(reply.id === ids.plants && reply.forgotten === true, `forget gave ${show(reply)}`);
    const { hits } = payload(await call("recall", { query: "how often do the office plants get water?", k: 10 }));
    assert(!hits.some((h) => h.id === ids.plants), `forgotten id ${ids.plants} still recalled: ${show(hits.map((h) => h.id))}`);
    assert(hits.length === FACTS.length - 1, `${hits.length} hits after forgetting one of ${FACTS.length}`);
    const listed = payload(await call("list_memories", {}));
    assert(listed.total === FACTS.length - 1 && !listed.memories.some((m) => m.id === ids.plants), `list after forget: ${show(listed.total)} ${show(listed.memories.map((m) => m.id))}`);
    return `forgot ${ids.plants}; recall and list no longer have it`;
  });

  await check("forget: the same id again is an error result", async () => {
    const text = expectErrorResult(await call("forget", { id: ids.plants }), new RegExp(`\\b${ids.plants}\\b`));
    return text;
  });

  await check("forget_tagged: every memory with the tag is gone, the others stay", async () => {
    const first = payload(await call("remember", { text: "The loading dock key is kept at reception.", tags: ["scratch"] })).id;
    const second = payload(await call("remember", { text: "Parcels for the loading dock arrive after ten.", tags: ["scratch", "post"] })).id;
    const reply = payload(await call("forget_tagged", { tag: " scratch " }));
    const expected = [first, second].sort((x, y) => x - y);
    assert(reply.tag === "scratch" && reply.forgotten === 2 && show(reply.ids) === show(expected), `forget_tagged gave ${show(reply)}, expected ids ${show(expected)}`);
    const { hits } = payload(await call("recall", { query: "where is the loading dock key?", k: 10 }));
    assert(!hits.some((h) => expected.includes(h.id)), `forgotten ids still recalled: ${show(hits.map((h) => h.id))}`);
    const listed = payload(await call("list_memories", {}));
    assert(listed.total === FACTS.length - 1, `total after forget_tagged is ${listed.total}, expected ${FACTS.length - 1}`);
    const again = payload(await call("forget_tagged", { tag: "scratch" }));
    assert(again.forgotten === 0 && again.ids.length === 0, `forget_tagged again gave ${show(again)}`);
    return `forgot ${reply.ids.join(",")}; again: ${again.forgotten}`;
  });

  await check("memory_status: the structured content matches the tool's declared output schema", async () => {
    // callTool validates structuredContent against the outputSchema listed by tools/list.
    const status = payload(await call("memory_status", {}));
    return `keys ${Object.keys(status).join(",")}`;
  });

  await check("memory_status: the count and the model", async () => {
    // The plain request, without the SDK's output-schema validation, so this check stands on its own.
    const status = payload(await client.request({ method: "tools/call", params: { name: "memory_status", arguments: {} } }, CallToolResultSchema));
    assert(status.memories === FACTS.length - 1, `memories is ${show(status.memories)}, expected ${FACTS.length - 1}`);
    assert(typeof status.model?.id === "string" && /minilm/i.test(status.model.id), `model is ${show(status.model)}`);
    assert(status.model.dimensions === 384, `model dimensions ${show(status.model.dimensions)}`);
    assert(Array.isArray(status.tools) && Array.isArray(status.targets) && status.cache && typeof status.cache === "object", `tools/targets/cache missing: ${Object.keys(status)}`);
    return `memories ${status.memories}, model ${status.model.id} (${status.model.dimensions}); keys ${Object.keys(status).join(",")}`;
  });

  const bad = [
    ["empty text", "remember", { text: "" }, [/\btext\b/, /empty/i]],
    ["whitespace text", "remember", { text: " \t \n " }, [/\btext\b/, /white ?space|empty/i]],
    ["text over 32 KiB", "remember", { text: "x".repeat(32 * 1024 + 1) }, [/\btext\b/, /32,769|bytes|limit/i]],
    ["k=0", "recall", { query: "backups", k: 0 }, [/\bk\b/, /\b0\b/, /1 to 100/]],
    ["k=101", "recall", { query: "backups", k: 101 }, [/\bk\b/, /\b101\b/, /1 to 100/]],
    ["k as a string", "recall", { query: "backups", k: "5" }, [/\bk\b/, /integer/, /string/]],
    ["minScore=2", "recall", { query: "backups", minScore: 2 }, [/minScore/, /-1 to 1/]],
    ["unknown id", "forget", { id: 987654321 }, [/987654321/]],
    ["empty tag to forget", "forget_tagged", { tag: "  " }, [/\btag\b/, /empty/]],
    ["missing required argument", "recall", { k: 3 }, [/\bquery\b/]],
    ["unknown argument", "recall", { query: "backups", kk: 3 }, [/\bkk\b/]],
  ];
  for (const [label, tool, args, patterns] of bad) {
    await check(`bad input: ${label} → one-line error result`, async () => expectErrorResult(await call(tool, args), ...patterns));
  }

  await check("bad input: unknown tool → JSON-RPC error (McpError), one line", async () => {
    let result;
    try {
      result = await call("no_such_tool", {});
    } catch (error) {
      assert(error instanceof McpError, `threw ${error?.constructor?.name}: ${error?.message}`);
      assert(!/[\r\n]/.test(error.message), `message is more than one line: ${show(error.message)}`);
      assert(/no_such_tool/.test(error.message), `message does not name the tool: ${show(error.message)}`);
      return `code ${error.code}: ${error.message}`;
    }
    throw new Error(`no JSON-RPC error; the call returned ${show(result)}`);
  });

  await check("after the bad inputs the server still answers a recall", async () => {
    const { hits } = payload(await call("recall", { query: "at what time is the staging database backed up?", k: 1 }));
    assert(hits.length === 1 && hits[0].id === ids.backup, `got ${show(hits)}`);
    return `first ${hits[0].id} score ${hits[0].score.toFixed(3)}`;
  });
}

// ---------------------------------------------------------------------------------------------
// Transports

function newClient() {
  return new Client({ name: "cortex-ts-driver", version: "0.1.0" });
}

async function overStdio(commandLine) {
  const [command, ...args] = splitCommandLine(commandLine);
  assert(command, "--stdio names no command");
  const transport = new StdioClientTransport({ command, args, env: { ...process.env }, stderr: "pipe" });
  const serverLog = [];
  transport.stderr?.on("data", (chunk) => serverLog.push(chunk.toString()));
  const client = newClient();
  try {
    const connected = await check("connect over stdio", async () => {
      await client.connect(transport);
      return `spawned ${command} ${args.join(" ")} (pid ${transport.pid})`;
    });
    if (connected) await scenario(client);
  } finally {
    await client.close().catch(() => {});
  }
  return serverLog.join("");
}

/** POSTs a body to the MCP endpoint as a client would, without the SDK. */
function rawPost(url, body, headers = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body,
  });
}

/** A JSON-RPC message from a response body: plain JSON, or the first data line of an event stream. */
function jsonRpcBody(text) {
  try {
    return JSON.parse(text);
  } catch {
    const data = text.split(/\r?\n/).find((l) => l.startsWith("data:"));
    return data ? JSON.parse(data.slice(5)) : null;
  }
}

async function overHttp(url, token) {
  const auth = token ? { authorization: `Bearer ${token}` } : {};

  await check("health: GET /health answers 200 with a status", async () => {
    const response = await fetch(new URL("/health", url));
    const body = await response.json();
    assert(response.status === 200 && typeof body.status === "string", `${response.status} ${show(body)}`);
    return `${response.status} ${body.status}`;
  });

  if (token) {
    await check("token: a client without it gets HTTP 401", async () => {
      const client = newClient();
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      } catch (error) {
        assert(error instanceof StreamableHTTPError && error.code === 401, `connect failed with ${error?.constructor?.name} ${error?.code}: ${error?.message}`);
        return `StreamableHTTPError ${error.code}`;
      } finally {
        await client.close().catch(() => {});
      }
      throw new Error("connected without the token");
    });

    await check("token: a wrong token gets HTTP 401 with WWW-Authenticate: Bearer", async () => {
      const response = await rawPost(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }), { authorization: `Bearer wrong-${token}` });
      await response.text();
      assert(response.status === 401, `status ${response.status}`);
      assert(/^Bearer/i.test(response.headers.get("www-authenticate") ?? ""), `WWW-Authenticate is ${show(response.headers.get("www-authenticate"))}`);
      return `${response.status}, WWW-Authenticate ${response.headers.get("www-authenticate")}`;
    });
  }

  await check("raw POST of malformed JSON gets a JSON-RPC error body", async () => {
    const response = await rawPost(url, '{"jsonrpc": "2.0", "id": 1, "method": "tools/list"', auth);
    const text = await response.text();
    const message = jsonRpcBody(text);
    assert(message?.jsonrpc === "2.0" && message.error && typeof message.error.code === "number", `HTTP ${response.status}, body ${show(text)}`);
    // JSON-RPC names -32700 for unparseable JSON; the C# SDK's HTTP transport answers -32600 (invalid request). Either is a JSON-RPC error.
    assert([-32700, -32600].includes(message.error.code), `error code ${message.error.code} (${message.error.message}), expected -32700 (parse error) or -32600`);
    assert(response.status >= 400 && response.status < 500, `HTTP ${response.status} for a malformed body`);
    return `HTTP ${response.status}, error ${message.error.code}: ${message.error.message}`;
  });

  await check("a foreign Origin gets HTTP 403", async () => {
    const response = await rawPost(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }), { ...auth, origin: "http://evil.example" });
    await response.text();
    assert(response.status === 403, `status ${response.status}`);
    return `${response.status}`;
  });

  await check("a body over the request limit gets HTTP 413", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "remember", arguments: { text: "y".repeat(300 * 1024) } } });
    const response = await rawPost(url, big, auth);
    await response.text();
    assert(response.status === 413, `status ${response.status}`);
    return `${response.status} for ${big.length} bytes`;
  });

  const client = newClient();
  try {
    const connected = await check(`connect over Streamable HTTP${token ? " with the token" : ""}`, async () => {
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: auth } }));
      return url;
    });
    if (connected) await scenario(client);
  } finally {
    await client.close().catch(() => {});
  }
  return "";
}

// ---------------------------------------------------------------------------------------------

let options;
try {
  options = parseArguments(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`driver.mjs: ${error.message}\nusage: node driver.mjs --stdio "<command> <args...>" | --http <url> [--token T]\n`);
  process.exit(2);
}

let serverLog = "";
try {
  serverLog = options.stdio !== null ? await overStdio(options.stdio) : await overHttp(options.http, options.token);
} catch (error) {
  record("driver ran to the end", false, error?.stack ?? String(error));
}

const failed = results.filter((r) => !r.ok);
if (results.length === 0) record("driver ran any check", false, "no checks ran");
if (failed.length > 0 || results.length === 0) {
  process.stderr.write(`${failed.length} of ${results.length} checks failed:\n`);
  for (const f of failed) process.stderr.write(`  FAIL ${f.check}: ${f.detail}\n`);
  if (serverLog) process.stderr.write(`--- server standard error ---\n${serverLog}\n`);
  process.exitCode = 1;
} else {
  process.stderr.write(`all ${results.length} checks passed\n`);
  process.exitCode = 0;
}
