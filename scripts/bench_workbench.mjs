// How soon the coding workbench shows its first document: starts
// `pokeval code` on each project given, opens the printed address in
// headless Chromium and reports when the server was ready and when the
// page had its first document (the page marks it as
// `pokeval-first-document`), from the moment the command was started.
//
//   node scripts/bench_workbench.mjs target/release/pokeval <project> [<project> ...]
//
// Chromium is started once before the first run, as a researcher's browser
// is already open; each project is measured three times. Needs
// playwright-core (NODE_PATH or a node_modules beside it) and Chromium at
// /usr/bin/chromium (or CHROMIUM). It writes werkbank.jsonl in nothing: the
// page is only opened.
import { createRequire } from "node:module";
import { spawn } from "node:child_process";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "noop.js"));
const { chromium } = require("playwright-core");
const [bin, ...projects] = process.argv.slice(2);
if (!bin || !projects.length) {
  console.error("usage: node bench_workbench.mjs <pokeval binary> <project> [<project> ...]");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const warm = await browser.newPage();
await warm.goto("about:blank");
for (const project of projects) {
  for (let run = 1; run <= 3; run++) {
    const page = await browser.newPage();
    const t0 = performance.now();
    const child = spawn(bin, ["code", project, "--coder", "Bench", "--addr", "127.0.0.1:0"]);
    let out = "";
    const url = await new Promise((resolve, reject) => {
      child.stdout.on("data", (d) => { out += d; const m = out.match(/open (http:\S+)/); if (m) resolve(m[1]); });
      child.on("exit", (code) => reject(new Error(`pokeval code exited with ${code}`)));
    });
    const ready = performance.now() - t0;
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName("pokeval-first-document").length > 0, null, { timeout: 60000 });
    const inPage = await page.evaluate(() => performance.getEntriesByName("pokeval-first-document")[0].startTime);
    console.log(`${project} run ${run}: server ready ${(ready / 1000).toFixed(2)} s; first document ${((ready + inPage) / 1000).toFixed(2)} s after the start (${(inPage / 1000).toFixed(2)} s in the page)`);
    child.kill();
    await page.close();
    // let the browser settle (a closed page's renderer winds down on the
    // same two cores the next server starts on)
    await new Promise((r) => setTimeout(r, 1500));
  }
}
await browser.close();
