/**
 * Waiting on a condition rather than on the clock: tests poll for what they
 * need to be true, so a slow machine makes them slower, never wrong.
 */

/** Polls `condition` every `everyMs` until it holds; throws after `limitMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what = 'the condition',
  limitMs = 10000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
