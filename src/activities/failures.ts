/**
 * Turns errors from our own modules into Temporal failures with a type and the right
 * retryability, so workflows and the UI show what went wrong and what to fix.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { DataError } from '../data/readers';
import { PackagedModelMissingError } from '../infra/paths';

export function asApplicationFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof DataError) {
    return ApplicationFailure.create({ type: 'DataError', message: error.message, nonRetryable: true });
  }
  if (error instanceof PackagedModelMissingError) {
    return ApplicationFailure.create({ type: 'ConfigError', message: error.message, nonRetryable: true });
  }
  if (error instanceof ZodError) {
    const issues = error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ');
    return ApplicationFailure.create({ type: 'ConfigError', message: `invalid activity input: ${issues}`, nonRetryable: true });
  }
  return error;
}

/** Wraps an activity so every thrown error goes through `asApplicationFailure`. */
export function withFailureTypes<Args extends unknown[], Result>(
  activity: (...args: Args) => Promise<Result>,
): (...args: Args) => Promise<Result> {
  return async (...args: Args) => {
    try {
      return await activity(...args);
    } catch (error) {
      throw asApplicationFailure(error);
    }
  };
}
