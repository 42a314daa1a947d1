// The built-in question set. `answer` is the index of the right choice.
// Everyone in the room can read the room state, answers included: with no
// server code there is nowhere to hide them (see the README's trade-offs).

/** @typedef {{ text: string, choices: string[], answer: number }} Question */

/** @type {Question[]} */
export const QUESTIONS = [
  { text: "Which planet is closest to the Sun?", choices: ["Venus", "Mercury", "Mars", "Earth"], answer: 1 },
  { text: "How many sides does a hexagon have?", choices: ["5", "6", "7", "8"], answer: 1 },
  { text: "What is the chemical symbol for gold?", choices: ["Ag", "Gd", "Au", "Go"], answer: 2 },
  { text: "Which ocean is the largest?", choices: ["Pacific", "Atlantic", "Indian", "Arctic"], answer: 0 },
  { text: "In which year did the first person walk on the Moon?", choices: ["1959", "1965", "1969", "1972"], answer: 2 },
];
