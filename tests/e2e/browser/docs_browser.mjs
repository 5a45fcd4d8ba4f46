// docs_browser.mjs — the interactive docs in a real browser (used by tests/e2e/test_openapi.py)
//
//   node docs_browser.mjs BASE_URL ARTIFACT_DIR EMAIL
//
// Drives Debian's headless Chromium (CHROMIUM, default /usr/bin/chromium) with
// playwright-core, which downloads no browser of its own:
//  1. /docs: Swagger UI lists the operations of /openapi.json; expand POST /users/,
//     "Try it out", put a user with EMAIL in the body, Execute, and see the 201 and the
//     new user rendered;
//  2. /redoc: ReDoc renders the same document.
// Every request must stay on BASE_URL's origin (no CDN), and the pages must log no error
// (a Content-Security-Policy refusal shows up there). Screenshots go to ARTIFACT_DIR.
// Prints one JSON line {"ok", "steps", "problems"}; exits 0 when everything held, 1 when
// not, 2 on a usage error.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, artifacts, email] = process.argv.slice(2);
if (!base || !artifacts || !email) {
  console.error("usage: node docs_browser.mjs BASE_URL ARTIFACT_DIR EMAIL");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const origin = new URL(base).origin;
// ReDoc 2 always tries to show its logo from its CDN (an <img> it hides when the load
// fails): the pages' Content-Security-Policy blocks it, which is the point. Nothing else
// may even be attempted.
const BLOCKED_AS_EXPECTED = ["https://cdn.redoc.ly/redoc/logo-mini.svg"];
const expected = (text) => BLOCKED_AS_EXPECTED.some((url) => text.includes(url));
const steps = [];
const problems = [];
const TIMEOUT = 30000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // Playwright starts every launch with a fresh temporary --user-data-dir of its own (it
  // refuses the flag here) and removes it at close.
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  timeout: 60000,
});

async function openPage(path) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(TIMEOUT);
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (url.protocol.startsWith("http") && url.origin !== origin && !expected(req.url())) {
      problems.push(`${path}: request to another origin: ${req.url()}`);
    }
  });
  page.on("console", (msg) => {
    if (msg.type() === "error" && !expected(msg.text())) {
      problems.push(`${path}: console error: ${msg.text()}`);
    }
  });
  page.on("response", (res) => {
    if (new URL(res.url()).origin !== origin) problems.push(`${path}: loaded ${res.url()}`);
  });
  page.on("pageerror", (err) => problems.push(`${path}: page error: ${err.message}`));
  const res = await page.goto(base + path, { waitUntil: "load" });
  if (res.status() !== 200) problems.push(`${path}: status ${res.status()}`);
  return page;
}

async function swaggerCreatesUser() {
  const page = await openPage("/docs");
  // Swagger UI names an operation's block "operations-<tag>-<operationId>".
  const op = page.locator("#operations-users-post_users");
  await op.waitFor();
  steps.push("swagger ui listed POST /users/");
  await op.locator(".opblock-summary").first().click();
  await op.locator("button.try-out__btn").click();
  steps.push("try it out");
  const body = op.locator("textarea.body-param__text");
  await body.fill(JSON.stringify({ email, password: "correct horse battery" }));
  await op.locator("button.execute").click();
  steps.push("executed");
  const live = op.locator(".live-responses-table .response");
  await live.locator(".response-col_status").filter({ hasText: "201" }).waitFor();
  const rendered = await live.locator(".response-col_description").innerText();
  if (!rendered.includes(email)) problems.push(`/docs: the response shown lacks ${email}`);
  steps.push("201 rendered");
  await live.scrollIntoViewIfNeeded();
  await op.screenshot({ path: join(artifacts, "swagger-ui-post-users.png") });
  await page.close();
}

async function redocRenders() {
  const page = await openPage("/redoc");
  // The operation's summary as a heading: ReDoc parsed and laid out the document.
  await page.getByRole("heading", { name: "Create a user" }).first().waitFor();
  steps.push("redoc rendered");
  await page.screenshot({ path: join(artifacts, "redoc.png") });
  await page.close();
}

try {
  await swaggerCreatesUser();
  await redocRenders();
} catch (err) {
  problems.push(`failed after [${steps.join(", ")}]: ${err.message.split("\n")[0]}`);
} finally {
  await browser.close();
}

console.log(JSON.stringify({ ok: problems.length === 0, steps, problems }));
process.exit(problems.length === 0 ? 0 : 1);
