/** `pfnlab replay`: re-run one schedule exactly and print its trace step by step. */
import { formatLockStat, ReplayStringError, replay, traceLines } from "../sched/index";
import { CliUsageError, keyValueParams, scenarioArg } from "./command";
import type { CliCommand, FlagSpec } from "./command";

const FLAGS: FlagSpec[] = [
  { name: "param", short: "p", value: true, repeat: true },
  { name: "json", value: false },
  { name: "lockstat", value: false },
];

const USAGE = `usage: pfnlab replay <scenario> <replay> [-p key=value]... [--lockstat] [--json]

Re-runs the schedule named by <replay> (as printed by pfnlab explore, e.g. 'ab' or
'variant=v6.12/a3b') and prints every step: step, simulated time, task, effect, site.
Params in the replay string are applied; -p may add others but not contradict them.
A replay string lists at most 100000 steps (run lengths included) and tasks a-z, [26]..[999].`;

export const command: CliCommand = {
  name: "replay",
  summary: "re-run one schedule from its replay string and print the trace",
  usage: USAGE,
  flags: FLAGS,
  run(a, io) {
    if (a.positional.length !== 2)
      throw new CliUsageError(`pfnlab replay: expected <scenario> <replay>, got ${a.positional.length} argument(s)`);
    const scenario = scenarioArg(a.positional[0]!, "pfnlab replay");
    const given = keyValueParams(a, "pfnlab replay");
    let r: ReturnType<typeof replay>;
    const rs = a.positional[1]!;
    try {
      r = replay(scenario, rs, { params: given });
    } catch (e) {
      const msg = (e as Error).message;
      const where =
        e instanceof ReplayStringError ? "" : `replay string '${rs.length > 60 ? `${rs.slice(0, 57)}...` : rs}': `;
      throw new CliUsageError(`pfnlab replay: ${where}${msg}`);
    }
    const lines = traceLines(r);
    if (a.flags.has("json")) {
      io.out(
        JSON.stringify({
          scenario: r.scenario,
          replay: r.replay,
          params: r.params,
          outcomes: r.outcomes,
          preemptions: r.preemptions,
          steps: r.end.steps,
          trace: lines,
        }),
      );
      return 0;
    }
    io.out(`scenario ${r.scenario}, replay ${r.replay}: ${r.end.steps} steps, ${r.preemptions} preemption(s)`);
    for (const l of lines) io.out(l);
    if (r.state) io.out(`state: ${r.state}`);
    if (a.flags.has("lockstat")) io.out(formatLockStat(r.lockStat));
    return 0;
  },
};
