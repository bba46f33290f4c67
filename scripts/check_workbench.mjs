// Uses the coding workbench (`pokeval code`) in headless Chromium as a
// researcher would, and checks what it saved:
//
//   node scripts/check_workbench.mjs <workbench url> <werkbank.jsonl>
//
// 1. axe-core: no serious or critical violation on the page;
// 2. by keyboard: accept two autocodes (j, a, a), reject one (r);
// 3. select text in a segment and code it (c, type the code, Enter);
// 4. write a memo on that coding; code a whole segment by keyboard (focus
//    it, c);
// 5. reload: the decisions, the coding and the memo are still shown, and
//    werkbank.jsonl holds them;
// 6. a POST from another origin, and one without an Origin, are refused;
// 7. two tabs: the second codes on an old revision; after the server's
//    refusal it reloads and saves again, and both codings are in the file.
//
// Needs playwright-core and axe-core (NODE_PATH or a node_modules beside
// it) and Chromium at /usr/bin/chromium (or CHROMIUM). Exits 1 on any
// failure, naming it. `.ci/run` runs it on a copy of the example project.
import { createRequire } from "node:module";
import path from "node:path";
import fs from "node:fs";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "noop.js"));
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [url, file] = process.argv.slice(2);
if (!url || !file) {
  console.error("usage: node check_workbench.mjs <workbench url> <werkbank.jsonl>");
  process.exit(2);
}
const problems = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok" : "FAILED"}: ${what}`);
  if (!ok) problems.push(what);
};
const readFile = () => {
  const lines = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return { header: lines[0], items: lines.slice(1) };
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
// the page's Content-Security-Policy forbids inline scripts; axe is one
const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 } });
const errors = [];
const open = async () => {
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector(".ac", { timeout: 30000 });
  return page;
};
const saved = (page, revision) =>
  page.waitForFunction((r) => document.getElementById("revision").textContent === String(r), revision, { timeout: 15000 })
    .then(() => true, () => false);
// selects `length` code points of the first text chunk of segment `n`
const selectIn = (page, n, length) =>
  page.evaluate(([n, length]) => {
    const seg = document.querySelectorAll(".seg")[n];
    const chunk = seg.querySelector(".seg-text [data-o]");
    const text = chunk.querySelector("mark")?.firstChild || chunk.firstChild;
    const range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(text, Math.min(length, text.textContent.length));
    const sel = document.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    document.dispatchEvent(new Event("selectionchange"));
    return range.toString();
  }, [n, length]);
const codeSelectionOrSegment = async (page, code) => {
  await page.evaluate(() => document.getSelection().removeAllRanges());
  await page.keyboard.press("c");
  await page.waitForSelector("#picker:not([hidden])", { timeout: 5000 });
  await page.keyboard.type(code);
  await page.keyboard.press("Enter");
};
const codeSelection = async (page, code) => {
  await page.keyboard.press("c");
  await page.waitForSelector("#picker:not([hidden])", { timeout: 5000 });
  await page.keyboard.type(code);
  await page.keyboard.press("Enter");
};

try {
  const page = await open();
  await page.addScriptTag({ content: axeSource });
  const axe = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  for (const v of axe.violations) console.log(`  axe ${v.impact}: ${v.id}: ${v.help} (${v.nodes.length})`);
  const serious = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").length;
  check(serious === 0, `axe: ${axe.violations.length} violations, ${serious} serious or critical`);

  const start = Number(await page.textContent("#revision"));
  const source = await page.textContent("#doc-title");
  // keyboard: first autocode, accept, accept (focus moves on), reject
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("j");
  const first = await page.evaluate(() => document.activeElement.dataset.key);
  check(first && first.startsWith("ac|"), `j focuses the first autocode (${first})`);
  await page.keyboard.press("a");
  check(await saved(page, start + 1), "a accepts the first autocode and saves");
  await page.keyboard.press("a");
  check(await saved(page, start + 2), "a accepts the next autocode");
  await page.keyboard.press("r");
  check(await saved(page, start + 3), "r rejects the third autocode");

  const text = await selectIn(page, 1, 25);
  await codeSelection(page, "AL3");
  check(await saved(page, start + 4), `a selection ("${text}") is coded AL3`);
  const memo = page.locator(".coding textarea").first();
  await memo.fill("Nagaan bij de wijkteams.");
  await page.locator(".coding button", { hasText: "Memo opslaan" }).first().click();
  check(await saved(page, start + 5), "a memo on the new coding is saved");
  // by keyboard alone: focus a segment and code all of it
  await page.evaluate(() => document.querySelectorAll(".seg")[3].focus());
  await codeSelectionOrSegment(page, "AL5");
  check(await saved(page, start + 6), "c codes the focused segment when nothing is selected");

  await page.reload();
  await page.waitForSelector(".ac");
  check((await page.textContent("#doc-title")) === source, "after a reload the same source opens");
  const verdicts = await page.$$eval(".ac .verdict", (v) => v.map((x) => x.textContent));
  check(verdicts.filter((v) => v.includes("geaccepteerd door u")).length === 2, `two autocodes show as accepted (${verdicts.slice(0, 3).join(" / ")})`);
  check(verdicts.filter((v) => v.includes("afgewezen door u")).length === 1, "one autocode shows as rejected");
  check((await page.locator(".coding textarea").first().inputValue()) === "Nagaan bij de wijkteams.", "the memo is shown after the reload");
  const shown = await page.$$eval(".coding .code", (c) => c.map((x) => x.textContent));
  check(shown.includes("AL3"), "the new coding is shown after the reload");

  const wb = readFile();
  const kinds = (k) => wb.items.filter((i) => i.kind === k);
  check(wb.header.format === "pokeval-werkbank" && wb.header.revision === start + 6, `werkbank.jsonl is at revision ${wb.header.revision}`);
  check(kinds("review").filter((r) => r.decision === "accepted").length === 2 && kinds("review").filter((r) => r.decision === "rejected").length === 1, "the file holds two accepted and one rejected review");
  const coding = kinds("coding").find((c) => c.code === "AL3");
  check(coding && coding.memo === "Nagaan bij de wijkteams." && text.startsWith(coding.text.slice(0, 10)), "the file holds the coding with its text and memo");

  // another origin, and no origin at all
  for (const headers of [{ Origin: "http://evil.example", "Content-Type": "application/json" }, { "Content-Type": "application/json" }]) {
    const r = await fetch(url + "api/change", { method: "POST", headers, body: JSON.stringify({ op: "remove", id: 0, revision: start + 6 }) });
    check(r.status === 403, `a POST with ${headers.Origin ? "Origin " + headers.Origin : "no Origin"} is refused (${r.status})`);
  }
  const wrongToken = await fetch(url.replace(/\/[0-9a-f]{32}\//, "/00000000000000000000000000000000/") + "api/state");
  check(wrongToken.status === 404, `a wrong token is refused (${wrongToken.status})`);

  // two tabs on the same source: the second saves on an old revision
  const other = await open();
  await selectIn(page, 2, 20);
  await codeSelection(page, "AL1");
  check(await saved(page, start + 7), "tab 1 codes AL1");
  await selectIn(other, 3, 20);
  await codeSelection(other, "AL6");
  check(await saved(other, start + 8), "tab 2, on the old revision, is refused, reloads and saves AL6");
  const codes = readFile().items.filter((i) => i.kind === "coding").map((c) => c.code);
  check(["AL3", "AL5", "AL1", "AL6"].every((c) => codes.includes(c)), `both tabs' codings are in the file (${codes.join(", ")})`);
  const segment = readFile().items.find((i) => i.kind === "coding" && i.code === "AL5");
  check(segment && segment.text.length > 40, "the segment coded by keyboard is coded whole");
  check(errors.length === 0, `no script errors (${errors.join("; ")})`);
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(`workbench: ${problems.length} problems`);
  process.exit(1);
}
console.log("workbench: all checks passed");
