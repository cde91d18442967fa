/**
 * The checks of file and folder flags that grade and release make before doing any work:
 * a typo fails at once (a usage error, exit 2) naming the flag and the path.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CliUsageError } from "./command";

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A file the command reads (--roster, --manifest): it must exist and be a file. */
export function checkInputFile(command: string, option: string, path: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new CliUsageError(`${command}: ${option} ${path} does not exist`);
  if (isDir(full)) throw new CliUsageError(`${command}: ${option} ${path} is a folder, not a file`);
  return full;
}

/**
 * A file the command will write at the end (-o): checked before any work, so a typo
 * fails at once rather than after an hour of grading. Its folder must exist.
 */
export function checkOutputFile(command: string, option: string, path: string): string {
  const full = resolve(path);
  if (isDir(full)) throw new CliUsageError(`${command}: ${option} ${path} is a folder; give a file name`);
  const parent = dirname(full);
  if (!isDir(parent)) throw new CliUsageError(`${command}: ${option} ${path}: the folder ${parent} does not exist`);
  if (!writable(parent) || (existsSync(full) && !writable(full)))
    throw new CliUsageError(`${command}: ${option} ${path} is not writable`);
  return full;
}

/**
 * A folder the command writes into: made now if missing, but only inside a folder that
 * exists (`parents`: or with its missing parents, for a cache), and it must be writable.
 */
export function prepareOutputDir(command: string, option: string, path: string, parents = false): string {
  const full = resolve(path);
  if (existsSync(full) && !isDir(full))
    throw new CliUsageError(`${command}: ${option} ${path} is a file, not a folder`);
  if (!existsSync(full)) {
    if (!parents && !isDir(dirname(full)))
      throw new CliUsageError(`${command}: ${option} ${path}: the folder ${dirname(full)} does not exist`);
    try {
      mkdirSync(full, { recursive: true });
    } catch (e) {
      throw new CliUsageError(`${command}: ${option} ${path} cannot be created: ${(e as Error).message}`);
    }
  }
  if (!writable(full)) throw new CliUsageError(`${command}: ${option} ${path} is not writable`);
  return full;
}
