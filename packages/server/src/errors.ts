// The domain errors. Services throw these; http/problem.ts maps them to HTTP in one place.

export interface FieldIssue {
  field: string;
  message: string;
}

export class DomainError extends Error {
  /** Every field at fault, when there are several (a workflow definition can have many). */
  readonly issues: FieldIssue[];

  constructor(
    message: string,
    /** The request field the error is about, when there is one (`body.email`). */
    readonly field?: string,
    issues?: FieldIssue[],
  ) {
    super(message);
    this.name = new.target.name;
    this.issues = issues ?? (field ? [{ field, message }] : []);
  }
}

/** The thing does not exist, or the caller may not see it (the two are indistinguishable on purpose). */
export class NotFoundError extends DomainError {}
/** The request is well-formed but contradicts the current state (duplicate name, task running). */
export class ConflictError extends DomainError {}
/** The request is well-formed but not acceptable (a rule the schema cannot express). */
export class InvalidInputError extends DomainError {}
/** No valid credentials. */
export class UnauthorizedError extends DomainError {}
/** Valid credentials, but not allowed to do this. */
export class ForbiddenError extends DomainError {}
/** A service outside this server that a request needed (a forge's API) failed or refused it. */
export class UpstreamError extends DomainError {}
/** A fencing token that is no longer current (stale attempt, rotated refresh token). */
export class StaleTokenError extends DomainError {}
