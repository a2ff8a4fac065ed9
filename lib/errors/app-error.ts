/**
 * The one error model of the portal. Domain code throws AppError with a closed set of codes; route
 * handlers and pages map them with `httpStatus` and show `message` (written for the user). Anything
 * else is unexpected: logged with the request id and shown generically.
 */
export const appErrorCodes = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID: 400,
  QUOTA_EXCEEDED: 403,
  CAPACITY: 409,
  RATE_LIMITED: 429,
  UPSTREAM_UNAVAILABLE: 503,
} as const;

export type AppErrorCode = keyof typeof appErrorCodes;

export class AppError extends Error {
  constructor(
    public readonly code: AppErrorCode,
    message: string,
    public readonly details?: { fields?: Record<string, string>; [key: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AppError";
  }

  get httpStatus(): number {
    return appErrorCodes[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
