/**
 * Keeps up to `limit` tasks running: whenever one settles, `next` is asked for another, so what to
 * send is decided when a slot is free, with everything that finished so far known. Ends when
 * nothing runs and `next` has nothing to give.
 *
 * After the first failure nothing new starts; the tasks already running are waited for (their
 * results are saved, so a retry does not redo them), then the first error is thrown.
 */
export type NextTask = () => (() => Promise<void>) | undefined;

export function keepInFlight(limit: number, next: NextTask): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let running = 0;
    let failure: { error: unknown } | undefined;

    const settle = () => {
      if (running > 0) return;
      if (failure) reject(failure.error);
      else resolve();
    };

    const fill = () => {
      while (!failure && running < limit) {
        let task: (() => Promise<void>) | undefined;
        try {
          task = next();
        } catch (error) {
          failure = { error };
          break;
        }
        if (!task) break;
        running += 1;
        Promise.resolve()
          .then(task)
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            running -= 1;
            fill();
          });
      }
      settle();
    };

    fill();
  });
}
