// The quiz, end to end: the real relay serves the site and the built coinop
// package, and real headless Chromium plays a host and two participants,
// each in its own browser context (own localStorage: own player).
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { newPlayerPage, screenshot, siteUnderTest, skipBrowser } from "../../e2e-support.mjs";
import { QUESTIONS } from "../web/questions.js";
import { countdown, joinAs, leaderboard, openPlayer, STEP_MS, waitPhase, waitText } from "../e2e-pages.mjs";

const site = join(dirname(fileURLToPath(import.meta.url)), "..", "web");
/** Seconds per question in the tests (the `?t=` parameter). */
const SECONDS = 8;

/** Codes of the sessions made so far: the "no quiz" check needs a code that is none of them. */
const usedCodes = new Set();
const env = siteUnderTest(site);

/**
 * A host page that created a session; resolves to `{ host, code }`.
 * `firstRandom` fixes the page's first Math.random() (the code it tries first).
 */
async function createSession(query, firstRandom) {
  const host = await newPlayerPage(env.browser);
  if (firstRandom !== undefined) {
    await host.context().addInitScript((first) => {
      const real = Math.random;
      let calls = 0;
      Math.random = () => (calls++ === 0 ? first : real());
    }, firstRandom);
  }
  await host.goto(`${env.relay.http}/?${query}`);
  await host.click("#create");
  const code = await waitText(host, "#session-code", /^\d{4}$/);
  await waitPhase(host, "lobby");
  usedCodes.add(code);
  return { host, code };
}

async function allSeeOrder(pages, names, what) {
  for (const page of pages) {
    await page.waitForFunction(
      (expected) => [...document.querySelectorAll("#leaderboard li .name")].map((n) => n.textContent.replace(/^\d+\. /, "").replace(/ \(you\)$/, "")).join() === expected,
      names.join(),
      { timeout: STEP_MS },
    ).catch(async () => assert.fail(`${what}: leaderboard is ${JSON.stringify(await leaderboard(page))}, expected ${names}`));
  }
}

test("a quiz night: join, synced countdown, answers, a reload mid-game, live leaderboard, final results, host key", { skip: skipBrowser, timeout: 120000 }, async () => {
  const { host, code } = await createSession(`t=${SECONDS}&n=3`);
  const joinLink = await host.inputValue("#join-link");
  assert.match(joinLink, new RegExp(`#r=${code}$`));
  await screenshot(host, "quiz-1-host-lobby");

  // Bob's clock runs 45 s fast: a countdown on Date.now() would be 45 s off there.
  const ada = await openPlayer(env.browser, joinLink, { phone: true });
  const bob = await openPlayer(env.browser, joinLink, { skewMs: 45000 });
  await joinAs(ada, "Ada");
  await joinAs(bob, "Bob");
  for (const page of [ada, bob]) await waitPhase(page, "lobby");
  await waitText(host, "#participants", /Ada.*Bob|Bob.*Ada/);
  await waitText(host, "#participant-count", /^2 participants$/);
  await screenshot(ada, "quiz-2-participant-lobby-phone");

  // Question 1: the countdown is in sync on every screen.
  await host.click("#start");
  const everyone = [host, ada, bob];
  for (const page of everyone) await waitText(page, "#question-text", new RegExp(QUESTIONS[0].text.replace("?", "\\?")));
  const timers = await Promise.all(everyone.map(countdown));
  const deadlines = timers.map((t) => t.at + t.remaining);
  const spread = Math.max(...deadlines) - Math.min(...deadlines);
  assert.ok(spread < 1000, `countdowns disagree by ${spread} ms: ${JSON.stringify(timers)}`);
  for (const t of timers) assert.ok(t.remaining > 0 && t.remaining <= SECONDS * 1000, `remaining ${t.remaining}`);
  await screenshot(bob, "quiz-3-question-1");

  // Bob is right (mouse); Ada is wrong (keyboard: key 1 = first choice).
  await bob.click(`.choice[data-choice="${QUESTIONS[0].answer}"]`);
  assert.notEqual(QUESTIONS[0].answer, 0);
  await ada.keyboard.press("1");
  // Everyone answered: the host ends the question before its deadline.
  for (const page of everyone) await waitPhase(page, "reveal", SECONDS * 1000);
  await waitText(bob, "#reveal-you", /^Right! \+\d+ points$/);
  await waitText(ada, "#reveal-you", /^Not this time\.$/);
  await allSeeOrder(everyone, ["Bob", "Ada"], "after question 1");
  const bobScore = (await leaderboard(host)).find((r) => r.name === "Bob").score;
  assert.ok(bobScore > 500, `Bob's score ${bobScore}`);
  await screenshot(host, "quiz-4-reveal-1-host");

  // Question 2: Bob reloads mid-game and comes back as himself.
  await host.click("#next");
  await waitText(bob, "#question-text", new RegExp(QUESTIONS[1].text.replace("?", "\\?")));
  const bobId = await bob.evaluate(() => document.body.dataset.playerId);
  await bob.reload();
  await waitText(bob, "#question-text", new RegExp(QUESTIONS[1].text.replace("?", "\\?")));
  assert.equal(await bob.evaluate(() => document.body.dataset.playerId), bobId, "same player after the reload");
  assert.match(bob.url(), new RegExp(`#r=${code}$`));
  await waitText(bob, "#my-score", new RegExp(`^Score: ${bobScore}$`));
  await waitText(bob, "#my-name", /^You are Bob$/);
  await screenshot(bob, "quiz-5-bob-after-reload");
  await ada.click(`.choice[data-choice="${QUESTIONS[1].answer}"]`);
  await bob.click(`.choice[data-choice="${(QUESTIONS[1].answer + 1) % 4}"]`);
  for (const page of everyone) await waitPhase(page, "reveal", SECONDS * 1000);
  const afterTwo = await leaderboard(host);
  for (const page of [ada, bob]) assert.deepEqual(await leaderboard(page), afterTwo, "one leaderboard on every screen");
  assert.equal(afterTwo.find((r) => r.name === "Bob").score, bobScore);

  // Question 3: the host reloads (its page runs the timer) and Bob does not
  // answer, so the reloaded host ends the question at the stored deadline.
  await host.click("#next");
  await waitText(ada, "#question-text", new RegExp(QUESTIONS[2].text.replace("?", "\\?")));
  await host.reload();
  await waitText(host, "#question-text", new RegExp(QUESTIONS[2].text.replace("?", "\\?")));
  assert.match(host.url(), new RegExp(`#host=${code}$`));
  await ada.click(`.choice[data-choice="${QUESTIONS[2].answer}"]`);
  await waitText(ada, "#answer-note", /locked in/);
  for (const page of everyone) await waitPhase(page, "reveal", SECONDS * 1000 + STEP_MS);
  await waitText(bob, "#reveal-you", /^No answer this time\.$/);
  await allSeeOrder(everyone, ["Ada", "Bob"], "after question 3");

  // Final results on every screen.
  await waitText(host, "#next", /^Show final results$/);
  await host.click("#next");
  for (const page of everyone) await waitPhase(page, "final");
  await allSeeOrder(everyone, ["Ada", "Bob"], "final");
  await waitText(ada, "#final-summary", /^You finished #1 of 2 with \d+ points\. Ada won!$/);
  await waitText(bob, "#final-summary", /^You finished #2 of 2/);
  await screenshot(ada, "quiz-6-final-ada-phone");
  await screenshot(host, "quiz-7-final-host");

  // The host key, opened in a new browser (another device), lists the session and reopens it.
  const keyLink = await host.inputValue("#host-key");
  assert.match(keyLink, /#key=[A-Za-z0-9_-]+\.[0-9a-f]+$/);
  const laptop = await newPlayerPage(env.browser);
  await laptop.goto(keyLink);
  await laptop.waitForSelector(`#sessions li[data-code="${code}"]`, { timeout: STEP_MS });
  assert.doesNotMatch(laptop.url(), /key=/, "the secret leaves the address bar");
  await screenshot(laptop, "quiz-8-host-key-sessions");
  await laptop.click(`#sessions li[data-code="${code}"] button.reopen`);
  await waitPhase(laptop, "final");
  assert.equal(await laptop.textContent("#session-code"), code);
  assert.equal(await laptop.evaluate(() => document.body.dataset.role), "host");
  await allSeeOrder([laptop], ["Ada", "Bob"], "reopened session");
  // The same host identity took over: the first host page says so.
  await waitText(host, "#session-error", /opened in another tab or on another device/);
  await screenshot(laptop, "quiz-9-host-key-reopened");
});

test("clear errors: a malformed code, a code with no quiz, a full quiz", { skip: skipBrowser, timeout: 60000 }, async () => {
  const { host, code } = await createSession("max=1");
  const first = await openPlayer(env.browser, `${env.relay.http}/#r=${code}`);
  await joinAs(first, "First");
  await waitPhase(first, "lobby");

  const late = await openPlayer(env.browser, `${env.relay.http}/#r=${code}`);
  await joinAs(late, "Late");
  await waitText(late, "#join-error", /This quiz is full/);
  await screenshot(late, "quiz-10-error-full");

  const lost = await openPlayer(env.browser, `${env.relay.http}/`);
  await lost.fill("#join-code", "12a");
  await joinAs(lost, "Lost");
  await waitText(lost, "#join-error", /A quiz code is 4 digits/);
  const noQuiz = ["0000", "0001", "0002"].find((c) => !usedCodes.has(c));
  await lost.fill("#join-code", noQuiz);
  await lost.press("#join-name", "Enter");
  await waitText(lost, "#join-error", /There is no quiz with that code/);
  await lost.fill("#join-name", "");
  await lost.press("#join-name", "Enter");
  await waitText(lost, "#join-error", /Pick a name/);
  await screenshot(lost, "quiz-11-error-no-quiz");
  await waitText(host, "#participant-count", /^1 participant$/);
});

test("a new session never takes a code that already holds a quiz", { skip: skipBrowser, timeout: 60000 }, async () => {
  // Both hosts try the same code first; the second must notice the quiz there and pick another.
  const firstRandom = [0.42421, 0.31415, 0.27182].find((r) => !usedCodes.has(String(Math.floor(r * 10000))));
  const first = await createSession("", firstRandom);
  assert.equal(first.code, String(Math.floor(firstRandom * 10000)));
  // The first host leaves (at once, no grace period): an empty room makes whoever joins it next its host.
  await first.host.click("#leave");
  await first.host.waitForSelector("#home:not([hidden])", { timeout: STEP_MS });
  const second = await createSession("", firstRandom);
  assert.notEqual(second.code, first.code);
  await screenshot(second.host, "quiz-12-second-session-other-code");
  // The code check used a throwaway identity: the second host's past sessions hold only its own.
  await second.host.goto(`${env.relay.http}/`);
  await second.host.waitForSelector(`#sessions li[data-code="${second.code}"]`, { timeout: STEP_MS });
  assert.deepEqual(await second.host.$$eval("#sessions li", (items) => items.map((li) => li.dataset.code)), [second.code]);
  // Deleting it from the list: the first press asks, the second deletes it for good.
  const del = `#sessions li[data-code="${second.code}"] button.delete`;
  await second.host.click(del);
  await waitText(second.host, del, /^Really delete\?$/);
  await screenshot(second.host, "quiz-13-delete-session");
  await second.host.click(del);
  await second.host.waitForSelector(`#sessions li[data-code="${second.code}"]`, { state: "detached", timeout: STEP_MS });
  await waitText(second.host, "#sessions-note", /^No sessions yet\.$/);
  // The code holds no quiz any more, and checking it created no room.
  const lost = await openPlayer(env.browser, `${env.relay.http}/#r=${second.code}`);
  await joinAs(lost, "Late");
  await waitText(lost, "#join-error", /There is no quiz with that code/);
});
