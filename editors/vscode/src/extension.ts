/**
 * The syncproof extension: a language client for `syncproof lsp` and the command
 * "syncproof: Check model", which runs `syncproof check FILE --format html --output REPORT`
 * and opens the report. Highlighting and editing rules are declarative (package.json,
 * syntaxes/, language-configuration.json); this file owns only what needs a process.
 */

import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

const LANGUAGE = "syncproof";
let client: LanguageClient | undefined;
let output: vscode.OutputChannel;

/** What `syncproof check` exits with (checker/core/exits.py), as a person reads it. */
const EXIT_MEANING: Record<number, string> = {
  0: "every property holds",
  1: "a property is violated",
  2: "the model or an option is wrong",
  3: "inconclusive: a limit or bound was reached",
  4: "internal error",
};

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("syncproof");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("syncproof.checkModel", (uri?: vscode.Uri) => checkModel(context, uri)),
    vscode.commands.registerCommand("syncproof.restartServer", () => restartClient()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("syncproof.path") || e.affectsConfiguration("syncproof.lens")) {
        void restartClient();
      }
    }),
  );
  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

/** The `syncproof` executable from the setting: a name on PATH, an absolute path, or a path
 * relative to the first workspace folder; `~` is the home directory. */
export function executable(): string {
  const configured = (vscode.workspace.getConfiguration("syncproof").get<string>("path") || "syncproof").trim();
  let exe = configured.startsWith("~") ? path.join(os.homedir(), configured.slice(1)) : configured;
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!path.isAbsolute(exe) && exe.includes("/") && folder) {
    exe = path.join(folder.uri.fsPath, exe);
  }
  return exe;
}

/** The limits of the server's "check" code lens (checker/lsp/lens.py reads `check.maxStates`, `check.timeout`). */
export function initializationOptions(): { check: { maxStates: number; timeout: number } } {
  const config = vscode.workspace.getConfiguration("syncproof");
  return { check: { maxStates: config.get<number>("lens.maxStates") ?? 200000, timeout: config.get<number>("lens.timeout") ?? 60 } };
}

async function startClient(): Promise<void> {
  const command = executable();
  const serverOptions: ServerOptions = { command, args: ["lsp"], transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: LANGUAGE },
      { scheme: "untitled", language: LANGUAGE },
    ],
    outputChannel: output,
    initializationOptions: initializationOptions(),
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.sync") },
  };
  client = new LanguageClient(LANGUAGE, "syncproof language server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    client = undefined;
    const message = `syncproof: could not start the language server \`${command} lsp\`: ${errorText(err)}. ` +
      "Set `syncproof.path` to the syncproof executable (pip install syncproof).";
    output.appendLine(message);
    void vscode.window.showErrorMessage(message, "Open settings").then((choice) => {
      if (choice) {
        void vscode.commands.executeCommand("workbench.action.openSettings", "syncproof.path");
      }
    });
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

async function restartClient(): Promise<void> {
  await stopClient();
  await startClient();
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The model to check: the URI the command was given (editor title button) or the active editor's. */
async function modelDocument(uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  if (uri) {
    return vscode.workspace.openTextDocument(uri);
  }
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.languageId === LANGUAGE ? doc : undefined;
}

/** Where the report of `model` goes: the extension's storage, one file per model name. */
function reportPath(context: vscode.ExtensionContext, model: string): string {
  const dir = path.join((context.storageUri ?? context.globalStorageUri).fsPath, "reports");
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, path.basename(model, path.extname(model)) + ".html");
}

/** The arguments of `syncproof check`: the user's extra ones first, then the model and the report. */
export function checkArguments(model: string, report: string, extra: readonly string[]): string[] {
  return ["check", ...extra, model, "--format", "html", "--output", report];
}

async function checkModel(context: vscode.ExtensionContext, uri?: vscode.Uri): Promise<void> {
  const doc = await modelDocument(uri);
  if (!doc || doc.uri.scheme !== "file") {
    void vscode.window.showErrorMessage("syncproof: open a saved .sync model to check it.");
    return;
  }
  if (doc.isDirty && !(await doc.save())) {
    return;
  }
  const model = doc.uri.fsPath;
  const report = reportPath(context, model);
  fs.rmSync(report, { force: true });   // a report left from an earlier run must not be shown as this one's
  const extra = vscode.workspace.getConfiguration("syncproof").get<string[]>("check.arguments") ?? [];
  const args = checkArguments(model, report, extra);
  const cwd = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? path.dirname(model);
  const exe = executable();
  output.appendLine(`$ ${[exe, ...args].join(" ")}   (in ${cwd})`);

  const code = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `syncproof: checking ${path.basename(model)}`, cancellable: true },
    (_progress, token) => new Promise<number | string>((resolve) => {
      const child = execFile(exe, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        output.append(stdout);
        output.append(stderr);
        if (err && typeof err.code === "string") {
          resolve(err.code);   // the executable could not be started (ENOENT, EACCES)
        } else {
          resolve(child.exitCode ?? 130);
        }
      });
      token.onCancellationRequested(() => child.kill("SIGINT"));
    }),
  );
  if (typeof code === "string") {
    void vscode.window.showErrorMessage(`syncproof: could not run \`${exe}\` (${code}). Set \`syncproof.path\`.`);
    return;
  }
  const meaning = EXIT_MEANING[code] ?? `exit status ${code}`;
  output.appendLine(`syncproof check: ${meaning} (exit ${code})`);
  if (!fs.existsSync(report)) {
    output.show(true);
    void vscode.window.showErrorMessage(`syncproof: ${meaning}; no report was written (see the output).`);
    return;
  }
  await vscode.env.openExternal(vscode.Uri.file(report));
  const show = code === 0 ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  void show(`syncproof: ${path.basename(model)}: ${meaning}. The report is open in your browser.`);
}
