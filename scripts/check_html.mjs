// Checks a built report in headless Chromium: accessibility with axe-core,
// then links and layout as a reader sees the page.
//
//   node scripts/check_html.mjs <report.html>
//
// Needs, in NODE_PATH or a node_modules next to it: axe-core and
// playwright-core; Chromium at /usr/bin/chromium (Debian package) or in
// CHROMIUM. Prints every violation and problem; exits 1 when an axe
// violation is serious or critical, or when a layout or link check fails:
//
// - every link inside the report (map pins, page references, footnotes,
//   the chapter bar, the action-line selector) leads to an element;
// - every page but the cover starts with the chapter bar;
// - at the width of a laptop (1280 px) and of the printed page, nothing
//   sticks out of its page, and the two columns of a page (text and
//   figure, or two of text) sit side by side without overlapping, text
//   first;
// - the report's own typeface (Source Sans 3) is the one in use.
//
// `.ci/run` installs everything in a scratch folder.
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
  let problems = [];
  for (const width of [1280, 1123]) {
    await page.setViewportSize({ width, height: 900 });
    const found = await page.evaluate(async () => {
      const out = [];
      // links inside the report
      for (const a of document.querySelectorAll('a[href^="#"]')) {
        const id = decodeURIComponent(a.getAttribute("href").slice(1));
        if (id && !document.getElementById(id)) out.push(`link to #${id} leads nowhere`);
      }
      const pages = [...document.querySelectorAll("section.page")];
      if (pages.length < 3) out.push(`only ${pages.length} pages`);
      for (const p of pages) {
        const name = p.id || p.className;
        if (!p.classList.contains("cover")) {
          const first = p.firstElementChild;
          if (!first || !first.matches("nav.chapter-bar")) out.push(`${name}: does not start with the chapter bar`);
        }
        const box = p.getBoundingClientRect();
        for (const el of p.querySelectorAll("figure, table, svg, img, p, li, h2, h3, .pair > div, .text-columns > div")) {
          const r = el.getBoundingClientRect();
          if (r.width === 0) continue;
          if (r.right > box.right + 1 || r.left < box.left - 1) {
            out.push(`${name}: ${el.tagName.toLowerCase()}${el.className ? "." + el.className : ""} sticks out of the page (${Math.round(r.left)}-${Math.round(r.right)} of ${Math.round(box.left)}-${Math.round(box.right)})`);
            break;
          }
        }
        for (const two of p.querySelectorAll(".pair, .text-columns")) {
          const [a, b] = two.children;
          if (!a || !b) continue;
          const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
          const side = rb.left >= ra.right - 1;
          const below = rb.top >= ra.bottom - 1;
          if (!side && !below) out.push(`${name}: the two columns of a ${two.className} overlap`);
          if (window.innerWidth >= 1000 && !side) out.push(`${name}: the columns of a ${two.className} are not side by side at ${window.innerWidth} px`);
          if (two.classList.contains("pair") && !a.classList.contains("pair-text")) out.push(`${name}: a pair does not start with its text`);
        }
      }
      await document.fonts.ready;
      const family = getComputedStyle(document.querySelector(".page-body p") || document.body).fontFamily;
      if (!/Source Sans 3/.test(family) || !document.fonts.check('16px "Source Sans 3"')) out.push(`the body text is not set in Source Sans 3 (${family})`);
      return out;
    });
    for (const f of found) problems.push(`${width} px: ${f}`);
  }
  problems = [...new Set(problems)];
  for (const p of problems.slice(0, 40)) console.log(`layout: ${p}`);
  console.log(`layout and links: ${problems.length} problems`);
  process.exitCode = bad > 0 || problems.length > 0 ? 1 : 0;
} finally {
  await browser.close();
}
