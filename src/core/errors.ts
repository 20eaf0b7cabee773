/** Errors whose message is safe to show to API clients. Anything else becomes a 500 with a generic message. */
export class AppError extends Error {
  constructor(readonly status: number, message: string, readonly extra: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Record not found') { super(404, message) }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'The access token is invalid') { super(401, message) }
}

export class ForbiddenError extends AppError {
  constructor(message = 'This action is outside the authorized scopes', extra: Record<string, unknown> = {}) { super(403, message, extra) }
}

export class ValidationError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) { super(422, message, extra) }
}

export class BadRequestError extends AppError {
  constructor(message: string) { super(400, message) }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'Request entity too large') { super(413, message) }
}

export class ConflictError extends AppError {
  constructor(message: string) { super(409, message) }
}

export class TooManyRequestsError extends AppError {
  constructor(message = 'Throttled') { super(429, message) }
}

/** OAuth endpoints answer in RFC 6749's shape: `{ error, error_description }`. */
export class OAuthError extends AppError {
  constructor(status: number, readonly code: string, description: string) {
    super(status, description, { error_description: description })
  }
}
