// The compiled extension (out/extension.js) run in node against a stand-in for the `vscode` API and
// for vscode-languageclient, with the real syncproof CLI: the language client is started as
// `<syncproof.path> lsp`, and "syncproof: Check model" writes the HTML report of a holding, a
// violated and a wrong model and opens it (or says that none was written).
//
//   npm run compile && node --test tests/extension.test.js
//
// The CLI is run as $PYTHON -m checker.cli with the repository on PYTHONPATH (a wrapper script
// written to a temporary directory stands for the `syncproof` executable).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const Module = require("node:module");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "syncproof-ext-"));
const exe = path.join(tmp, "syncproof");
fs.writeFileSync(exe, `#!/bin/sh\nPYTHONPATH="${ROOT}" exec "${process.env.PYTHON || "python3"}" -m checker.cli "$@"\n`, { mode: 0o755 });

const settings = { path: exe, "check.arguments": ["--no-trace-file", "--quiet"], "lens.maxStates": 5000, "lens.timeout": 7 };
const log = { clients: [], opened: [], messages: [], output: [], commands: {} };
let startFails = false;

const uri = (p) => ({ fsPath: p, scheme: "file", toString: () => "file://" + p });
const message = (kind) => (text) => { log.messages.push([kind, text]); return Promise.resolve(undefined); };
const vscode = {
  window: {
    createOutputChannel: () => ({ append: (t) => log.output.push(t), appendLine: (t) => log.output.push(t), show() {}, dispose() {} }),
    showErrorMessage: message("error"), showWarningMessage: message("warning"), showInformationMessage: message("info"),
    withProgress: (_options, task) => task({ report() {} }, { onCancellationRequested() {} }),
    activeTextEditor: undefined,
  },
  workspace: {
    getConfiguration: () => ({ get: (key) => settings[key] }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
    createFileSystemWatcher: () => ({ dispose() {} }),
    getWorkspaceFolder: () => undefined,
    workspaceFolders: undefined,
    openTextDocument: async (u) => ({ uri: u, languageId: "syncproof", isDirty: false, save: async () => true }),
  },
  commands: {
    registerCommand: (id, fn) => { log.commands[id] = fn; return { dispose() {} }; },
    executeCommand: async () => undefined,
  },
  env: { openExternal: async (u) => { log.opened.push(u.fsPath); return true; } },
  Uri: { file: uri },
  ProgressLocation: { Notification: 15 },
};
class LanguageClient {
  constructor(id, name, server, client) { log.clients.push({ id, name, server, client }); }
  start() { return startFails ? Promise.reject(new Error("spawn failed")) : Promise.resolve(); }
  stop() { return Promise.resolve(); }
}
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "vscode") return vscode;
  if (request === "vscode-languageclient/node") return { LanguageClient, TransportKind: { stdio: 0 } };
  return load.call(this, request, ...rest);
};
const extension = require("../out/extension.js");
const context = { subscriptions: [], storageUri: uri(path.join(tmp, "storage")), globalStorageUri: uri(path.join(tmp, "global")) };

function model(name, text) {
  const file = path.join(tmp, name + ".sync");
  fs.writeFileSync(file, text);
  return file;
}

async function check(file) {
  log.opened.length = 0;
  log.messages.length = 0;
  await log.commands["syncproof.checkModel"](uri(file));
  return path.join(tmp, "storage", "reports", path.basename(file, ".sync") + ".html");
}

test("activation starts `syncproof lsp` for .sync documents and registers the commands", async () => {
  await extension.activate(context);
  assert.equal(log.clients.length, 1);
  const { server, client } = log.clients[0];
  assert.deepEqual([server.command, server.args], [exe, ["lsp"]]);
  assert.deepEqual(client.documentSelector.map((s) => s.language), ["syncproof", "syncproof"]);
  assert.deepEqual(client.initializationOptions, { check: { maxStates: 5000, timeout: 7 } });
  assert.deepEqual(Object.keys(log.commands).sort(), ["syncproof.checkModel", "syncproof.restartServer"]);
});

test("a model that holds: the HTML report is written and opened", async () => {
  const report = await check(model("Counter", "model Counter\nvar x: 0..3\ninit { x = 0 }\naction Inc { require x < 3  x = x + 1 }\n" +
    "action Reset { require x == 3  x = 0 }\ninvariant Small: x <= 3\n"));
  assert.deepEqual(log.opened, [report]);
  const html = fs.readFileSync(report, "utf8");
  assert.match(html, /^<!DOCTYPE html>/i);
  assert.match(html, /Counter/);
  assert.deepEqual(log.messages, [["info", "syncproof: Counter.sync: every property holds. The report is open in your browser."]]);
});

test("a violated model: the report is opened with a warning", async () => {
  const report = await check(model("Leak", "model Leak\nvar x: 0..3\ninit { x = 0 }\naction Inc { require x < 3  x = x + 1 }\n" +
    "action Reset { require x == 3  x = 0 }\ninvariant Small: x <= 1\n"));
  assert.deepEqual(log.opened, [report]);
  assert.match(fs.readFileSync(report, "utf8"), /Small/);
  assert.deepEqual(log.messages, [["warning", "syncproof: Leak.sync: a property is violated. The report is open in your browser."]]);
});

test("a wrong model: no report, and the error is shown with the CLI's diagnostic in the output", async () => {
  const report = await check(model("Wrong", "model Wrong\nvar x: 0..3\ninit { x = y }\n"));
  assert.equal(fs.existsSync(report), false);
  assert.deepEqual(log.opened, []);
  assert.deepEqual(log.messages, [["error", "syncproof: the model or an option is wrong; no report was written (see the output)."]]);
  assert.match(log.output.join(""), /E2\d\d/);
});

test("an executable that cannot be run is named, with the setting to change", async () => {
  settings.path = path.join(tmp, "no-such-syncproof");
  try {
    await check(model("Counter2", "model Counter2\nvar x: bool\ninit { x = false }\naction Flip { x = not x }\n"));
  } finally {
    settings.path = exe;
  }
  assert.deepEqual(log.opened, []);
  assert.equal(log.messages.length, 1);
  assert.match(log.messages[0][1], /could not run `.*no-such-syncproof` \(ENOENT\)\. Set `syncproof.path`/);
});

test("a language server that does not start is reported with the command tried", async () => {
  startFails = true;
  log.messages.length = 0;
  await log.commands["syncproof.restartServer"]();
  startFails = false;
  assert.equal(log.messages.length, 1);
  assert.match(log.messages[0][1], /could not start the language server `.*syncproof lsp`: spawn failed\. Set `syncproof.path`/);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
