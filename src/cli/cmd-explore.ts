/** `pfnlab explore`: run many schedules of a scenario and count outcome classes. */
import { describeParams, failuresOf, listScenarios, resolveParams } from "../scenarios/index";
import { explore, exploreJson, formatProgress, simulate, STRATEGIES } from "../sched/index";
import type { ExploreOptions, StrategyName } from "../sched/index";
import { CliUsageError, flagInt, flagString, keyValueParams, scenarioArg } from "./command";
import type { CliCommand, FlagSpec } from "./command";

const FLAGS: FlagSpec[] = [
  { name: "strategy", value: true },
  { name: "preemptions", value: true },
  { name: "depth", value: true },
  { name: "seed", value: true },
  { name: "schedules", value: true },
  { name: "param", short: "p", value: true, repeat: true },
  { name: "json", value: false },
  { name: "list", value: false },
  { name: "stop-at-first", value: false },
  { name: "no-shrink", value: false },
  { name: "reduce", value: false },
  { name: "cache", value: false },
  { name: "progress", value: false },
];

const USAGE = `usage: pfnlab explore <scenario> [--strategy random|pct|dfs] [--preemptions N|inf] [--depth D]
                      [--seed S] [--schedules N] [-p key=value]... [--reduce|--cache] [--stop-at-first]
                      [--no-shrink] [--progress] [--json]
       pfnlab explore --list [--json]

Runs schedules of <scenario> and counts, for each outcome class, the schedules where it
occurred. dfs (default) is exhaustive within the preemption bound (default 2) and says
whether it covered everything; random and pct are seeded (default seed 0). The first
failure is shrunk and printed with its replay string (use it with pfnlab replay).

--reduce (dfs only) runs one schedule per class of schedules that differ only in the
order of independent steps (dynamic partial-order reduction): the same outcome classes
and first failure in far fewer schedules, so more CPUs fit, e.g.
  pfnlab explore follow-vs-zap -p lookups=3 --preemptions inf --reduce
The counts are then per explored schedule, not per schedule of the whole space.
--cache (dfs only, not with --reduce) caches explored states: a schedule stops at a
state an earlier one reached with as many preemptions left (a state: each task's steps
and the writes they saw; interchangeable tasks swapped count once). Same outcome classes
and first failure as plain dfs, at any --preemptions; prints the states explored.
--progress prints schedules, rate and an estimate of the time left to stderr (default
when stderr is a terminal). --schedules caps the run (default 100000 for dfs): a search
stopped by the cap says so.`;

export const command: CliCommand = {
  name: "explore",
  summary: "explore schedules of a scenario (random, PCT or exhaustive with a preemption bound)",
  usage: USAGE,
  flags: FLAGS,
  run(a, io) {
    const json = a.flags.has("json");
    if (a.flags.has("list")) {
      if (a.positional.length > 0) throw new CliUsageError("pfnlab explore: --list takes no scenario");
      const all = listScenarios();
      if (json) {
        io.out(
          JSON.stringify(
            all.map((s) => ({
              name: s.name,
              summary: s.summary,
              models: s.models,
              failures: failuresOf(s),
              params: s.params,
            })),
            null,
            2,
          ),
        );
      } else {
        for (const s of all) {
          io.out(`${s.name}: ${s.summary}`);
          io.out(`  models: ${s.models}`);
          io.out(`  failures: ${failuresOf(s).join(", ")}`);
          for (const line of describeParams(s)) io.out(`  -p ${line}`);
        }
      }
      return 0;
    }
    if (a.positional.length !== 1)
      throw new CliUsageError(
        `pfnlab explore: expected one scenario name, got ${a.positional.length ? a.positional.join(" ") : "none"}`,
      );
    const scenario = scenarioArg(a.positional[0]!, "pfnlab explore");
    const strategy = (flagString(a, "strategy") ?? "dfs") as StrategyName;
    if (!STRATEGIES.includes(strategy))
      throw new CliUsageError(`pfnlab explore: --strategy ${strategy} is not one of ${STRATEGIES.join("|")}`);
    const given = keyValueParams(a, "pfnlab explore");
    let params: ReturnType<typeof resolveParams>;
    try {
      params = resolveParams(scenario, given);
    } catch (e) {
      throw new CliUsageError(`pfnlab explore: ${(e as Error).message}`);
    }
    const opts: ExploreOptions = { strategy, params };
    const pre = flagInt(a, "preemptions", "pfnlab explore", 0, true);
    if (pre !== undefined) opts.preemptions = pre;
    const depth = flagInt(a, "depth", "pfnlab explore", 1);
    if (depth !== undefined) opts.depth = depth;
    const n = flagInt(a, "schedules", "pfnlab explore", 1);
    if (n !== undefined) opts.schedules = n;
    const seed = flagString(a, "seed");
    if (seed !== undefined) opts.seed = /^\d+$/.test(seed) ? Number(seed) : seed;
    if (a.flags.has("stop-at-first")) opts.stopAtFirstFailure = true;
    if (a.flags.has("no-shrink")) opts.shrink = false;
    if (a.flags.has("reduce")) {
      if (strategy !== "dfs")
        throw new CliUsageError(`pfnlab explore: --reduce needs --strategy dfs (got ${strategy})`);
      opts.reduction = "dpor";
    }
    if (a.flags.has("cache")) {
      if (strategy !== "dfs") throw new CliUsageError(`pfnlab explore: --cache needs --strategy dfs (got ${strategy})`);
      if (a.flags.has("reduce")) throw new CliUsageError("pfnlab explore: --cache and --reduce cannot be combined");
      opts.cache = true;
    }
    if (a.flags.has("progress") || (!json && process.stderr.isTTY)) {
      opts.progressMs = 1000;
      opts.onProgress = (p) => {
        if (p.elapsedMs >= 1000) io.err(`explore: ${formatProgress(p)}`);
      };
    }

    const r = explore(scenario, opts);
    if (json) {
      io.out(JSON.stringify(exploreJson(r)));
      return 0;
    }
    const ps = Object.entries(r.params)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(" ");
    const how =
      r.strategy === "dfs"
        ? r.preemptionBound === Infinity
          ? "no preemption bound"
          : `preemption bound ${r.preemptionBound}`
        : r.strategy === "pct"
          ? `depth ${r.depth}, seed ${String(r.seed)}`
          : `seed ${String(r.seed)}`;
    io.out(
      `scenario ${r.scenario} (${r.strategy}${r.reduction === "dpor" ? " with partial-order reduction" : ""}${r.states !== null ? " with state caching" : ""}, ${how}${ps ? `; ${ps}` : ""})`,
    );
    io.out(`  what it is for: ${scenario.summary}`);
    const covered =
      r.reduction === "dpor"
        ? "one schedule of every class of equivalent schedules within the bound was run"
        : "every schedule within the bound was run";
    io.out(`schedules: ${r.schedules}${r.exhausted ? ` (exhausted: ${covered})` : ""}`);
    if (r.states !== null)
      io.out(`states: ${r.states} distinct; ${r.pruned} schedules stopped at a state explored before`);
    if (r.stoppedBy === "cap" && !r.exhausted) {
      const hint =
        r.strategy === "dfs"
          ? `raise --schedules, lower --preemptions${r.reduction === "dpor" ? "" : ", add --reduce"} or make the scenario smaller`
          : "raise --schedules for more samples";
      io.out(
        `stopped: the cap of ${r.cap} schedules was hit before ${r.strategy === "dfs" ? "the space was covered" : "the end"}; the counts below are from this part only (${hint})`,
      );
    } else if (r.stoppedBy === "first-failure") {
      io.out("stopped: at the first failure (--stop-at-first)");
    }
    io.out("outcomes:");
    const w = Math.max(...Object.keys(r.outcomes).map((k) => k.length), 4);
    for (const [k, v] of Object.entries(r.outcomes))
      io.out(`  ${k.padEnd(w)} ${String(v).padStart(8)}${failuresOf(scenario).includes(k) ? "  (failure)" : ""}`);
    const ev = Object.entries(r.events);
    if (ev.length > 0) {
      io.out("events (schedules in which they occurred; not outcome classes):");
      const we = Math.max(...ev.map(([k]) => k.length), 4);
      for (const [k, v] of ev) io.out(`  ${k.padEnd(we)} ${String(v).padStart(8)}`);
    }
    if (scenario.timedSummary) for (const line of scenario.timedSummary(simulate(scenario, { params }))) io.out(line);
    const f = r.firstFailure;
    if (!f) {
      io.out(
        r.exhausted
          ? r.preemptionBound === Infinity
            ? "no failure in the whole space"
            : `no failure in any schedule with at most ${r.preemptionBound} preemption(s)`
          : r.stoppedBy === "cap"
            ? "no failure found in the part explored (not a proof: the cap stopped the search)"
            : "no failure found",
      );
      return 0;
    }
    io.out(
      `first failure: ${f.failure} with ${f.preemptions} preemption(s), ${f.steps} steps; replay ${f.replay}` +
        (f.found.replay !== f.replay ? ` (found as ${f.found.replay}, shrunk in ${f.shrinkRuns} runs)` : ""),
    );
    if (f.deadlock) io.out(`deadlock: ${f.deadlock}`);
    if (f.livelock) io.out(`livelock: ${f.livelock}`);
    for (const line of f.trace) io.out(`  ${line}`);
    io.out(`replay it with: pfnlab replay ${r.scenario} '${f.replay}'`);
    return 0;
  },
};
