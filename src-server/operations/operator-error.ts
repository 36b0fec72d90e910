/**
 * A failure of an operator's command (the CLI, the service's start) that is not a request's
 * refusal: said as one sentence, with the exit code the CLI ends with. No stack: the sentence
 * must tell the operator what to do.
 */
export class OperatorError extends Error {
  constructor(
    message: string,
    /** 1: the command was refused or failed; 2: the command line itself is wrong (usage, options). */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}
