/**
 * The class roster: a CSV file with a student id, a name and an optional email per
 * row (a header row naming the columns is optional). Ids become folder names, so they
 * are restricted to letters, digits, '.', '_', '-' and '@'.
 */
import { readFileSync } from "node:fs";

export interface Student {
  id: string;
  name: string;
  email?: string;
}

const STUDENT_ID = /^[A-Za-z0-9_@-][A-Za-z0-9._@-]*$/;

/** Split CSV text into rows of fields (RFC 4180 quotes; "," separated). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field), (field = "");
      if (row.some((f) => f.trim() !== "")) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f.trim() !== "")) rows.push(row);
  return rows;
}

export function isValidStudentId(id: string): boolean {
  return STUDENT_ID.test(id) && id !== "." && id !== "..";
}

/** Students of a roster CSV text; `where` names the file in errors. */
export function parseRoster(text: string, where = "roster"): Student[] {
  const rows = parseCsv(text);
  if (rows.length > 0 && /^(student[ _-]?)?id$/i.test(rows[0][0].trim())) rows.shift();
  const seen = new Set<string>();
  return rows.map((r, i) => {
    const id = (r[0] ?? "").trim();
    const name = (r[1] ?? "").trim();
    const email = (r[2] ?? "").trim();
    if (!isValidStudentId(id)) {
      throw new Error(
        `parseRoster: ${where} row ${i + 1}: student id ${JSON.stringify(id)} must be letters, digits, '.', '_', '-' or '@'`,
      );
    }
    if (seen.has(id)) throw new Error(`parseRoster: ${where} row ${i + 1}: student id ${id} appears twice`);
    seen.add(id);
    return email ? { id, name: name || id, email } : { id, name: name || id };
  });
}

export function readRoster(path: string): Student[] {
  return parseRoster(readFileSync(path, "utf8"), path);
}
