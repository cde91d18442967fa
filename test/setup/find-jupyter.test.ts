// How set-up judges a `jupyter`: its own Python (from the shebang, `env` shebangs too), which
// front ends it has, and whether that Python can run nbclient. Fake installations here: a
// "python" that answers the probes the way a real one with or without the packages would.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper, no types
import { describeJupyter, shebangPython } from "../../scripts/lib/find-jupyter.mjs";

const dirs: string[] = [];
afterEach(() =>
  dirs.splice(0).forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

/**
 * A bin/ with `python` and `jupyter`. `notebook`: what `jupyter notebook --version` prints
 * (null: no such command); `lab`: JupyterLab's version ("" none); `nbclient`: importable.
 */
function fakeJupyter(o: { notebook: string | null; lab: string; nbclient: boolean; envShebang?: boolean }): string {
  const bin = mkdtempSync(join(tmpdir(), "pfnlab-fakejupyter-"));
  dirs.push(bin);
  const py = join(bin, "python");
  writeFileSync(
    py,
    `#!/bin/sh
if [ "$1" = "-c" ]; then ${o.nbclient ? `echo "${o.lab}"; exit 0` : 'echo "ModuleNotFoundError: nbclient" >&2; exit 1'}; fi
# running the jupyter script: $1 is its path
if [ "$2" = "notebook" ]; then ${o.notebook === null ? "exit 1" : `echo "${o.notebook}"; exit 0`}; fi
if [ "$2" = "lab" ]; then ${o.lab ? `echo "${o.lab}"; exit 0` : "exit 1"}; fi
exit 2
`,
  );
  const jupyter = join(bin, "jupyter");
  writeFileSync(
    jupyter,
    `${o.envShebang ? `#!/usr/bin/env -S PATH=${bin}:/usr/bin:/bin python` : `#!${py}`}\n# a console script\n`,
  );
  chmodSync(py, 0o755);
  chmodSync(jupyter, 0o755);
  return jupyter;
}

describe("describeJupyter", () => {
  it("a pip venv with Notebook 7 and JupyterLab 4: the notebook front end, with lab's version, run by its own python", () => {
    const j = fakeJupyter({ notebook: "7.6.5", lab: "4.6.6", nbclient: true });
    expect(describeJupyter(j)).toEqual({
      jupyter: j,
      python: join(j, "..", "python"),
      frontend: "notebook",
      version: "7.6.5",
      lab: "4.6.6",
    });
  });

  it("Debian's Notebook 6 has no JupyterLab (lab: null)", () => {
    const j = fakeJupyter({ notebook: "6.4.12", lab: "", nbclient: true });
    expect(describeJupyter(j)).toMatchObject({ frontend: "notebook", version: "6.4.12", lab: null });
  });

  it("JupyterLab alone is the lab front end", () => {
    expect(describeJupyter(fakeJupyter({ notebook: null, lab: "4.6.6", nbclient: true }))).toMatchObject({
      frontend: "lab",
      version: "4.6.6",
      lab: "4.6.6",
    });
  });

  it("is unusable (null) when its Python lacks nbclient, or it has no front end at all", () => {
    expect(describeJupyter(fakeJupyter({ notebook: "7.6.5", lab: "4.6.6", nbclient: false }))).toBeNull();
    expect(describeJupyter(fakeJupyter({ notebook: null, lab: "", nbclient: true }))).toBeNull();
  });

  it("reads the Python from an `env` shebang through PATH, never a bare python3 of its own choosing", () => {
    const j = fakeJupyter({ notebook: "7.6.5", lab: "4.6.6", nbclient: true });
    writeFileSync(j, "#!/usr/bin/env python3\n");
    const viaPath = shebangPython(j);
    expect(viaPath === null || viaPath.endsWith("/python3")).toBe(true);
    writeFileSync(j, "\x7fELF binary");
    expect(shebangPython(j)).toBeNull();
  });
});
