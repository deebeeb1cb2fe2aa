// A watchdog for DynamoDB Local: if the process that started it dies without stopping it (even
// by SIGKILL, which nothing can catch), the watchdog, left behind, ends the Java process.
// Plain JavaScript so that plain node runs it: node watchdog.mjs <parent pid> <child pid>
const [parentPid, childPid] = process.argv.slice(2).map(Number);

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process, which is the answer.
    return false;
  }
};

const timer = setInterval(() => {
  if (!alive(childPid)) {
    clearInterval(timer);
    return;
  }
  if (!alive(parentPid)) {
    clearInterval(timer);
    try {
      process.kill(childPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}, 250);
