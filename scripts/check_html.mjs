// Accessibility check of a built report with axe-core in headless Chromium.
//
//   node scripts/check_html.mjs <report.html>
//
// Needs, in NODE_PATH or a node_modules next to it: axe-core and
// playwright-core; Chromium at /usr/bin/chromium (Debian package) or in
// CHROMIUM. Prints every violation; exits 1 when any is serious or
// critical. `.ci/run` installs everything in a scratch folder.
import { createRequire } from "node:module";
import path from "node:path";
import fs from "node:fs";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "noop.js"));
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const file = process.argv[2];
if (!file || !fs.existsSync(file)) {
  console.error(`usage: node check_html.mjs <report.html> (got ${file})`);
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  await page.goto("file://" + path.resolve(file));
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  let bad = 0;
  for (const v of result.violations) {
    const serious = v.impact === "serious" || v.impact === "critical";
    if (serious) bad += 1;
    console.log(`${v.impact}: ${v.id}: ${v.help} (${v.nodes.length} elements)`);
    for (const n of v.nodes.slice(0, 3)) console.log(`    ${n.target.join(" ")}`);
  }
  console.log(`axe: ${result.violations.length} violations, ${bad} serious or critical`);
  process.exitCode = bad > 0 ? 1 : 0;
} finally {
  await browser.close();
}
