/**
 * An error of one of our programs, its message headed by the program's name
 * ("pfnlab run: ..."). The name is data, so the CLI can tell a message that already names
 * the command from one it still has to head, without reading the message back.
 */
export class ToolError extends Error {
  constructor(
    /** The program, e.g. "pfnlab run". */
    readonly tool: string,
    what: string,
  ) {
    super(`${tool}: ${what}`);
  }
}
