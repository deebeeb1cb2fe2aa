// How the local service ends when its supervisor asks: SIGTERM, SIGINT or SIGHUP sent to its PID
// (what systemd, a container runtime, a shell script or Ctrl-C sends), or the process that started
// it going away (npm killed outright). The first request stops everything in order and exits 0;
// a second request forces: the force action runs and the process exits at once.

export interface Shutdown {
  /** Sets what stopping does once the service has started; a request that came during start runs it now. */
  whenRequested(stop: () => Promise<void>, force: () => void): void;
}

export interface ShutdownOptions {
  log: (line: string) => void;
  /** How often the parent process is checked (default 500 ms). */
  parentPollMs?: number;
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** Installs the handlers at once, before anything is started, so that no signal finds the default action. */
export function superviseShutdown({ log, parentPollMs = 500 }: ShutdownOptions): Shutdown {
  let requestedBy: string | undefined;
  let stop: (() => Promise<void>) | undefined;
  let force: (() => void) | undefined;
  let running = false;

  const runForce = () => {
    try {
      force?.();
    } catch (error) {
      log(`forcing: ${(error as Error).message}`); // the process exits next either way
    }
  };
  const runStop = async () => {
    if (stop === undefined || running) return;
    running = true;
    try {
      await stop();
      process.exit(0);
    } catch (error) {
      log(`could not stop cleanly: ${(error as Error).message}`);
      runForce();
      process.exit(1);
    }
  };
  const request = (reason: string) => {
    if (requestedBy !== undefined) {
      log(`${reason} again, forcing`);
      runForce();
      process.exit(1);
    }
    requestedBy = reason;
    log(`${reason}, stopping`);
    void runStop();
  };

  for (const signal of SIGNALS) process.on(signal, () => request(signal));
  // Node has no parent-death signal: a changed parent PID means the one that started us is gone.
  const parentAtStart = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid === parentAtStart) return;
    clearInterval(parentWatch);
    if (requestedBy === undefined) request('parent process exited');
  }, parentPollMs);
  parentWatch.unref();

  return {
    whenRequested(stopAction, forceAction) {
      stop = stopAction;
      force = forceAction;
      if (requestedBy !== undefined) void runStop();
    },
  };
}
