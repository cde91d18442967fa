// Instructor material stays in course/: notebooks/ holds only the released student copies,
// generated from course/ and kept in sync, with no solution or hidden check in any file.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  COURSE_DIR,
  NOTEBOOKS_DIR,
  courseNotebooks,
  hiddenCheckLines,
  leaksIn,
  leaksUnder,
  releasedCopy,
} from "../../src/grading";
import { exportNotebooks } from "../../src/grading/export";
import { projectRoot } from "../../src/runner";

const names = courseNotebooks();

describe("course/ and notebooks/", () => {
  it("finds the exercises among the course notebooks", () => {
    expect(names).toContain("05-exercises.ipynb");
  });

  it("no file under notebooks/ holds a solution marker, the hidden-check tag or a hidden check's line", () => {
    expect(leaksUnder(NOTEBOOKS_DIR)).toEqual([]);
  });

  it("the leak finder sees the instructor notebooks (so the check above can fail)", () => {
    const hidden = hiddenCheckLines();
    expect(hidden.length).toBeGreaterThanOrEqual(8); // at least a line per exercise
    for (const name of names) {
      const found = leaksIn(readFileSync(join(COURSE_DIR, name), "utf8"), hidden);
      expect(found.join("; "), name).toMatch(/solution marker/);
      expect(found.join("; "), name).toMatch(/hidden-check" tag/);
      expect(found.join("; "), name).toMatch(/hidden-check line/);
    }
    // A hidden check's line pasted into a markdown cell, without markers or tags, is found too.
    expect(leaksIn(`{"source": ["${hidden[3]}"]}`, hidden)).toHaveLength(1);
  });

  for (const name of names) {
    it(`notebooks/${name} is the released copy of course/${name} (run \`npm run course\` after editing course/)`, () => {
      const committed = readFileSync(join(NOTEBOOKS_DIR, name), "utf8");
      expect(committed).toBe(JSON.stringify(releasedCopy(name), null, 1) + "\n");
    });
  }

  for (const txt of readdirSync(COURSE_DIR).filter((f) => f.endsWith(".txt"))) {
    const nb = txt.replace(/\.txt$/, ".ipynb");
    it(`course/${nb} is generated from course/${txt}`, () => {
      const out = join(mkdtempSync(join(tmpdir(), "pfnlab-course-")), nb);
      execFileSync(process.execPath, [join(projectRoot, "scripts", "nbpercent.mjs"), join(COURSE_DIR, txt), out], {
        stdio: "pipe",
      });
      expect(readFileSync(join(COURSE_DIR, nb), "utf8")).toBe(readFileSync(out, "utf8"));
    });
  }

  it("npm run export refuses an instructor notebook before writing anything", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "pfnlab-export-")), "out");
    await expect(exportNotebooks(out, [join(COURSE_DIR, "05-exercises.ipynb")])).rejects.toThrow(
      /^export: .*course\/05-exercises\.ipynb holds instructor material \(a solution marker.*\); export the student copy in notebooks\//,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("no percent source of an instructor notebook is left in notebooks/src", () => {
    const sources = readdirSync(join(NOTEBOOKS_DIR, "src"));
    for (const txt of readdirSync(COURSE_DIR).filter((f) => f.endsWith(".txt"))) expect(sources).not.toContain(txt);
  });
});
