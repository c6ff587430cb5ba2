// Open a published HTML report in Debian's Chromium, run axe-core against WCAG 2.2 A and AA, measure
// the smallest chart label as drawn, and take a full-page screenshot.
//
//   node check-page.mjs PAGE.html SHOT.png WIDTH
//
// Prints one JSON object: {violations: [{id, impact, nodes}], smallestLabelPx, charts, title}.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const [page_path, shot_path, width] = process.argv.slice(2);
const executable = process.env.CHROMIUM || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath: executable,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: 900 } });
  await page.goto(pathToFileURL(page_path).href);
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    }),
  );
  const measured = await page.evaluate(() => {
    // A label's size as drawn: its font size in the SVG's units, scaled as the SVG is scaled.
    let smallest = Infinity;
    const charts = document.querySelectorAll("figure svg");
    for (const svg of charts) {
      const box = svg.viewBox.baseVal;
      const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
      for (const text of svg.querySelectorAll("text")) {
        if (!text.textContent.trim()) continue;
        const size = parseFloat(getComputedStyle(text).fontSize) * scale;
        smallest = Math.min(smallest, size);
      }
    }
    return { smallestLabelPx: charts.length ? smallest : null, charts: charts.length };
  });
  await page.screenshot({ path: shot_path, fullPage: true });
  console.log(
    JSON.stringify({
      title: await page.title(),
      violations: results.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })),
      ...measured,
    }),
  );
} finally {
  await browser.close();
}
