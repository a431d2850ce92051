// Renders a model highlighted by the extension's TextMate grammar (with shiki, in VS Code's
// Dark+ theme) to HTML, and takes a screenshot of it in headless Chromium.
//
//   node scripts/screenshot.mjs [MODEL] [PNG] [HTML]
//
// defaults: scripts/showcase.sync, ../../docs/images/vscode-highlighting.png, and the HTML in a
// temporary directory. Chromium: $CHROMIUM, or chromium / chromium-browser / google-chrome on PATH
// (Debian: apt-get install -y chromium).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHighlighter } from "shiki";

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.resolve(here, "..");
const model = path.resolve(process.argv[2] ?? path.join(here, "showcase.sync"));
const png = path.resolve(process.argv[3] ?? path.join(ext, "..", "..", "docs", "images", "vscode-highlighting.png"));
const html = path.resolve(process.argv[4] ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "syncproof-shot-")), "model.html"));

const grammar = JSON.parse(fs.readFileSync(path.join(ext, "syntaxes", "syncproof.tmLanguage.json"), "utf8"));
const theme = "dark-plus";
const highlighter = await createHighlighter({ themes: [theme], langs: [{ ...grammar, name: "syncproof" }] });
const source = fs.readFileSync(model, "utf8").replace(/\n+$/, "");
const code = highlighter.codeToHtml(source, { lang: "syncproof", theme });

const LINE = 20;         // px per line: the page's height follows the model's length
const lines = source.split("\n").length;
const width = 980;
const height = lines * LINE + 2 * 24 + 36;
fs.writeFileSync(html, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${path.basename(model)}</title>
<style>
  html, body { margin: 0; background: #1e1e1e; }
  .tab { font: 13px system-ui, sans-serif; color: #ccc; background: #252526; padding: 9px 16px; height: 18px; }
  pre.shiki { margin: 0; padding: 24px 16px; font: 14px/${LINE}px "DejaVu Sans Mono", Menlo, Consolas, monospace; }
</style></head>
<body><div class="tab">${path.basename(model)} — syncproof</div>${code}</body></html>
`);

function chromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]) {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
      const candidate = path.join(dir, name);
      if (dir && fs.existsSync(candidate)) return candidate;
    }
  }
  throw new Error("no Chromium found: install Debian's chromium package or set $CHROMIUM");
}

fs.mkdirSync(path.dirname(png), { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "syncproof-chromium-"));
try {
  execFileSync(chromium(), [
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
    "--disable-extensions", "--disable-dev-shm-usage", `--user-data-dir=${profile}`,
    "--force-device-scale-factor=1", `--window-size=${width},${height}`, `--screenshot=${png}`,
    "file://" + html,
  ], { stdio: ["ignore", "ignore", "pipe"], timeout: 60000 });
} finally {
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(`${png} (${width}x${height}) from ${model}; HTML: ${html}`);
