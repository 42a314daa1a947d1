// The quiz's rules, without a browser: points, rounds, ranking, codes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { everyoneAnswered, pointsFor, randomCode, ranking, scoreRound } from "../web/scoring.js";

const question = { text: "2 + 2?", choices: ["3", "4"], answer: 1 };
const phase = { name: "question", index: 0, deadline: 10_000 };

test("a right answer earns 500 plus a bonus that shrinks to 0 at the deadline", () => {
  assert.equal(pointsFor({ index: 0, choice: 1, at: 0 }, question, 0, phase, 10_000), 1000);
  assert.equal(pointsFor({ index: 0, choice: 1, at: 5_000 }, question, 0, phase, 10_000), 750);
  assert.equal(pointsFor({ index: 0, choice: 1, at: 10_000 }, question, 0, phase, 10_000), 500);
});

test("wrong, late, missing and stale answers earn nothing", () => {
  assert.equal(pointsFor({ index: 0, choice: 0, at: 0 }, question, 0, phase, 10_000), 0);
  assert.equal(pointsFor({ index: 0, choice: 1, at: 10_001 }, question, 0, phase, 10_000), 0);
  assert.equal(pointsFor(undefined, question, 0, phase, 10_000), 0);
  assert.equal(pointsFor({ index: 1, choice: 1, at: 0 }, question, 0, phase, 10_000), 0);
});

test("a round adds to the previous scores and records what each player gained and chose", () => {
  const previous = { scores: { a: 100, b: 0 }, names: { a: "Ada", b: "Bob" } };
  const answers = [
    { id: "a", name: "Ada", answer: { index: 0, choice: 0, at: 0 } },
    { id: "b", name: "Bob", answer: { index: 0, choice: 1, at: 5_000 } },
    { id: "c", name: "Cy", answer: undefined },
  ];
  const next = scoreRound(previous, answers, question, 0, phase, 10_000);
  assert.deepEqual(next.scores, { a: 100, b: 750, c: 0 });
  assert.deepEqual(next.last, { index: 0, gained: { a: 0, b: 750, c: 0 }, choices: { a: 0, b: 1 } });
  assert.equal(next.names.c, "Cy");
  assert.deepEqual(previous.scores, { a: 100, b: 0 }, "the previous board is not modified");
});

test("ranking sorts best first and gives ties the same rank", () => {
  const rows = ranking({ scores: { a: 5, b: 9, c: 5 }, names: { a: "Ada", b: "Bob", c: "Cy" } });
  assert.deepEqual(
    rows.map((r) => [r.name, r.rank]),
    [
      ["Bob", 1],
      ["Ada", 2],
      ["Cy", 2],
    ],
  );
});

test("everyone has answered only when each present participant answered this question", () => {
  assert.equal(everyoneAnswered([], 0), false);
  assert.equal(everyoneAnswered([{ answer: { index: 0 } }, { answer: { index: 1 } }], 1), false);
  assert.equal(everyoneAnswered([{ answer: { index: 1 } }, { answer: { index: 1 } }], 1), true);
});

test("codes are 4 digits with leading zeros", () => {
  assert.equal(randomCode(() => 0), "0000");
  assert.equal(randomCode(() => 0.0427), "0427");
  assert.equal(randomCode(() => 0.99999), "9999");
});
