/**
 * A problem that stops a command before it can do its work (bad configuration, a database
 * file that cannot be Rapport's, an output folder that does not exist): the CLI prints its
 * message as one line on stderr and exits 1, with no stack trace.
 */
export class FatalError extends Error {}

/** Arguments a CLI command cannot use: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {}
