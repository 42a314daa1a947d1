// Sends this player's pointer as unreliable player state, at most once per
// animation frame: the relay keeps only the latest value anyway, so sending
// more often than the screen refreshes is wasted traffic.

/**
 * Follows the pointer over `board` and calls `send(position)` with
 * `{ x, y }` as fractions of the board's size (so players with different
 * window sizes point at the same spot), or `null` when it leaves.
 * Returns a function that stops following.
 */
export function followPointer(board, send) {
  let latest;
  let sent;
  let frame = 0;
  const flush = () => {
    frame = 0;
    if (latest === sent) return;
    sent = latest;
    send(latest);
  };
  const schedule = (position) => {
    latest = position;
    if (!frame) frame = requestAnimationFrame(flush);
  };
  const move = (e) => {
    const box = board.getBoundingClientRect();
    const x = (e.clientX - box.left) / box.width;
    const y = (e.clientY - box.top) / box.height;
    // Rounded: 1/10000 of the board is finer than a pixel, and smaller JSON.
    schedule({ x: Math.round(x * 1e4) / 1e4, y: Math.round(y * 1e4) / 1e4 });
  };
  const leave = () => schedule(null);
  board.addEventListener("pointermove", move);
  board.addEventListener("pointerleave", leave);
  return () => {
    board.removeEventListener("pointermove", move);
    board.removeEventListener("pointerleave", leave);
    if (frame) cancelAnimationFrame(frame);
  };
}
